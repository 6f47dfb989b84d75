"""Upload several files as one batch and follow it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import JSONResponse, StreamingResponse

from ingest_api.batches import accept_batch, batch_events, batch_summary
from ingest_api.deps import CallerDep, EdgeDep, TenantDep
from ingest_api.openapi import ERRORS, UPLOAD_BODY

router = APIRouter(prefix="/v1/batches", tags=["batches"])
_FORM = UPLOAD_BODY["requestBody"]["content"]["multipart/form-data"]["schema"]
BATCH_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    **_FORM, "properties": {**_FORM["properties"], "file": {
        "type": "array", "items": _FORM["properties"]["file"], "minItems": 1,
        "description": "one part per file (PDF, JPEG or PNG)"}}}}}}}


@router.post("", status_code=202, openapi_extra=BATCH_BODY,
             responses=ERRORS(401, 413, 422, 429, 503))
async def create_batch(request: Request, caller: CallerDep, edge: EdgeDep,
                       after: BackgroundTasks) -> JSONResponse:
    """One entry per file: its document (id, status) or its error; bad files do not sink it."""
    return JSONResponse(await accept_batch(edge, caller, request, defer=after.add_task),
                        status_code=202)


@router.get("/{batch_id}", responses=ERRORS(401, 404, 429, 503))
async def get_batch(batch_id: str, tenant: TenantDep, edge: EdgeDep) -> dict[str, Any]:
    """Counts by status and every document with its current status."""
    return await batch_summary(edge, tenant, batch_id)


@router.get("/{batch_id}/events", responses=ERRORS(401, 404, 429, 503),
            response_class=StreamingResponse)
async def follow_batch(batch_id: str, tenant: TenantDep, edge: EdgeDep) -> StreamingResponse:
    """Server-sent `progress` events (total, counts) until every document is final."""
    await batch_summary(edge, tenant, batch_id)  # 404 before the stream starts
    return StreamingResponse(batch_events(edge, tenant, batch_id), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache"})

"""Upload, read, follow and delete documents."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import Response, StreamingResponse

from ingest_api.deps import CallerDep, DocumentDep, EdgeDep
from ingest_api.openapi import ERRORS, UPLOAD_BODY
from ingest_api.service import Accepted, accept_upload, describe, erase_document

KEEPALIVE_S = 15  # a comment line this often keeps proxies from closing a quiet stream
router = APIRouter(prefix="/v1/documents", tags=["documents"])


@router.post("", status_code=202, response_model=Accepted, openapi_extra=UPLOAD_BODY,
             responses=ERRORS(401, 413, 415, 422, 429, 503))
async def upload(request: Request, caller: CallerDep, edge: EdgeDep,
                 after: BackgroundTasks) -> Response:
    """Validate an upload, store it, publish it, answer 202 once Kafka has acknowledged it."""
    accepted = await accept_upload(edge, caller, request, defer=after.add_task)
    # Serialized once: a returned model would be validated and encoded again.
    return Response(accepted.model_dump_json(), status_code=202, media_type="application/json")


@router.get("/{doc_id}", responses=ERRORS(401, 404, 429, 503))
async def get_document(doc: DocumentDep, edge: EdgeDep) -> dict[str, Any]:
    """The document's current state; its result once `completed` (and its children's states)."""
    return await describe(edge, doc)


@router.get("/{doc_id}/events", responses=ERRORS(401, 404, 429, 503),
            response_class=StreamingResponse)
async def document_events(doc: DocumentDep, edge: EdgeDep):
    """Server-sent events: one `status` event per change, ending at a final state."""

    async def stream():
        async for current in edge.results.changes(doc.id, keepalive=KEEPALIVE_S):
            yield ": keep-alive\n\n" if current is None else _sse(await describe(edge, current))

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache"})


def _sse(body: dict[str, Any]) -> str:
    return f"event: status\ndata: {json.dumps(body)}\n\n"


@router.delete("/{doc_id}", status_code=200, responses=ERRORS(401, 404, 429, 503))
async def delete_document(doc: DocumentDep, edge: EdgeDep, request: Request) -> dict:
    """Cancel in-flight work and erase the result, the stored bytes and the data on Kafka."""
    cancelled = await erase_document(edge, doc, request.state.request_id)
    return {"id": cancelled.id, "status": cancelled.status.value}

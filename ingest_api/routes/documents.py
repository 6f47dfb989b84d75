"""Upload, read, follow and delete documents."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import structlog
from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel
from redis.exceptions import RedisError

from config.errors import ExtractorError
from ingest_api.deps import CallerDep, DocumentDep, Edge, EdgeDep
from ingest_api.openapi import ERRORS, UPLOAD_BODY
from ingest_api.upload import read_upload
from stores.blobs import source_key
from stores.results import events_channel
from topics import catalogue
from topics.codec import encode
from topics.models import Result, Status, Submitted, failed_result

log = structlog.get_logger()
router = APIRouter(prefix="/v1/documents", tags=["documents"])


class Accepted(BaseModel):
    id: str
    status: Status
    deduplicated: bool = False
    links: dict[str, str]


def _accepted(doc_id: str, status: Status, dedup: bool = False) -> Response:
    """The 202 body, serialized once (FastAPI would re-validate and re-encode a returned model)."""
    base = f"/v1/documents/{doc_id}"
    body = Accepted(id=doc_id, status=status, deduplicated=dedup,
                    links={"self": base, "events": f"{base}/events"})
    return Response(body.model_dump_json(), status_code=202, media_type="application/json")


@router.post("", status_code=202, response_model=Accepted, openapi_extra=UPLOAD_BODY,
             responses=ERRORS(401, 413, 415, 422, 429, 503))
async def upload(request: Request, caller: CallerDep, edge: EdgeDep,
                 after: BackgroundTasks) -> Response:
    """Validate an upload, store it, publish it, answer 202 once Kafka has acknowledged it."""
    settings, metrics, results, tenant = edge.settings, edge.metrics, edge.results, caller.tenant
    try:
        try:
            upload = await read_upload(request, settings.max_file_bytes, settings.max_pages)
        finally:
            await caller.admitted  # over the limit: 429, whatever the body held
        info, filename = upload.info, upload.filename
        schema = await edge.schemas.get(tenant, upload.schema)
    except ExtractorError as exc:
        metrics.uploads.labels(exc.code).inc()
        raise
    dedup_key = f"dedup:{tenant}:{info.sha256}:{schema.name}"
    doc_id = uuid.uuid4().hex
    ttl = settings.result_ttl_seconds
    record = Result(id=doc_id, tenant=tenant, schema=schema.name, status=Status.queued)
    # One round trip (the edge's CPU goes to round trips): look up an identical earlier upload
    # while storing this one's bytes and record; a duplicate's copy is then dropped again.
    async with edge.redis.pipeline(transaction=True) as pipe:
        pipe.get(dedup_key)
        edge.blobs.stage(pipe, doc_id, source_key(doc_id), upload.data, ttl)
        results.stage(pipe, record)
        existing = (await pipe.execute())[0]
    if existing and (previous := await results.get(existing.decode())) and \
            previous.status not in (Status.failed, Status.cancelled):
        await asyncio.gather(edge.blobs.delete_document(doc_id), results.delete(doc_id))
        metrics.uploads.labels("deduplicated").inc()
        structlog.contextvars.bind_contextvars(document_id=previous.id, deduplicated=True)
        return _accepted(previous.id, previous.status, dedup=True)
    message = Submitted(
        id=doc_id, tenant=tenant, schema=schema.name,
        schema_def=None if schema.name in ("invoice", "receipt") else schema,
        filename=filename, content_type=info.content_type, blob=source_key(doc_id),
        sha256=info.sha256, submitted_at=record.created_at,
    )
    topic = catalogue.name(catalogue.SUBMITTED, settings.topic_prefix)
    try:
        await edge.publisher.publish(topic, doc_id, encode(message),
                                     {"request_id": request.state.request_id})
    except ExtractorError as exc:
        # The document may still reach Kafka late; a final record makes the stages skip it.
        await results.write(failed_result(doc_id, exc, record), force=True)
        metrics.uploads.labels(exc.code).inc()
        raise
    # Only after the ack (were the API killed before it, a retried upload must not find this id)
    # and after the response: a lost write costs a retry its deduplication, never a document.
    after.add_task(_remember, edge, dedup_key, doc_id, ttl)
    metrics.uploads.labels("accepted").inc()
    # Carried by the request's one access log line (EdgeMiddleware), not a line of its own.
    structlog.contextvars.bind_contextvars(
        document_id=doc_id, pages=info.pages, bytes=len(upload.data),
        content_type=info.content_type, schema=schema.name)
    return _accepted(doc_id, Status.queued)


@router.get("/{doc_id}", responses=ERRORS(401, 404, 429, 503))
async def get_document(doc: DocumentDep) -> dict[str, Any]:
    """The document's current state; its result once `completed`."""
    return doc.public()


@router.get("/{doc_id}/events", responses=ERRORS(401, 404, 429, 503),
            response_class=StreamingResponse)
async def document_events(doc: DocumentDep, edge: EdgeDep):
    """Server-sent events: one `status` event per change, ending at a final state."""

    async def stream():
        pubsub = edge.redis.pubsub()
        await pubsub.subscribe(events_channel(doc.id))
        try:
            current = await edge.results.get(doc.id) or doc
            yield _sse(current)
            while not current.status.final:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=15)
                if message is None:
                    yield ": keep-alive\n\n"
                    current = await edge.results.get(doc.id) or current  # missed-publish safety net
                    continue
                current = Result.model_validate_json(message["data"])
                yield _sse(current)
        finally:
            await pubsub.aclose()

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache"})


async def _remember(edge: Edge, dedup_key: str, doc_id: str, ttl: int) -> None:
    try:
        await edge.redis.set(dedup_key, doc_id, ex=ttl)
    except RedisError as exc:
        log.warning("dedup.write_failed", document_id=doc_id, error=repr(exc))


def _sse(result: Result) -> str:
    return f"event: status\ndata: {json.dumps(result.public())}\n\n"


@router.delete("/{doc_id}", status_code=200, responses=ERRORS(401, 404, 429, 503))
async def delete_document(doc: DocumentDep, edge: EdgeDep) -> dict:
    """Cancel in-flight work and erase the result and the stored bytes."""
    tombstone = Result(id=doc.id, tenant=doc.tenant, schema=doc.schema_name,
                       status=Status.cancelled, created_at=doc.created_at,
                       completed_at=doc.completed_at)
    await edge.results.write(tombstone, force=True)
    await edge.blobs.delete_document(doc.id)
    return {"id": doc.id, "status": Status.cancelled.value}

"""The upload service: validate, store, publish and answer. The route is one call into it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from fastapi import Request
from pydantic import BaseModel
from redis.exceptions import RedisError

from config.errors import ExtractorError
from config.schemas import BUILTIN
from ingest_api.deps import Caller, Edge
from ingest_api.upload import Upload, read_upload
from stores.blobs import source_key
from topics import catalogue
from topics.codec import encode
from topics.models import REQUEST_ID_HEADER, Result, Status, Submitted, failed_result

log = structlog.get_logger()
Defer = Callable[..., Any]  # runs a callable after the response is sent (BackgroundTasks)
Joined = Callable[[str], Awaitable[None]]


class Accepted(BaseModel):
    id: str
    status: Status
    deduplicated: bool = False
    links: dict[str, str]

    @classmethod
    def of(cls, doc_id: str, status: Status, deduplicated: bool = False) -> Accepted:
        base = f"/v1/documents/{doc_id}"
        return cls(id=doc_id, status=status, deduplicated=deduplicated,
                   links={"self": base, "events": f"{base}/events"})


async def accept_upload(edge: Edge, caller: Caller, request: Request, defer: Defer) -> Accepted:
    """Validate an upload, store it, publish it; return once Kafka has acknowledged it.

    The same bytes with the same schema from the same tenant return the earlier live document.
    A failed publish leaves a `failed` record and no stored bytes behind.
    """
    try:
        try:
            upload = await read_upload(request, edge.settings.max_file_bytes,
                                       edge.settings.max_pages)
        finally:
            await caller.admitted  # over the limit: 429, whatever the body held
    except ExtractorError as exc:
        edge.metrics.uploads.labels(exc.code).inc()
        raise
    return await accept_file(edge, caller.tenant, upload, request.state.request_id, defer)


async def accept_file(edge: Edge, tenant: str, upload: Upload, request_id: str, defer: Defer,
                      *, joined: Joined | None = None) -> Accepted:
    """Accept one validated file: the part of `accept_upload` after the body was read.

    `joined(doc_id)` runs before the document is published (a batch records its member there).
    """
    settings, metrics = edge.settings, edge.metrics
    try:
        schema = await edge.schemas.get(tenant, upload.schema)
    except ExtractorError as exc:
        metrics.uploads.labels(exc.code).inc()
        raise
    info, ttl = upload.info, settings.result_ttl_seconds
    record = Result(id=uuid.uuid4().hex, tenant=tenant, schema=schema.name, status=Status.queued)
    doc_id, fingerprint = record.id, f"{tenant}:{info.sha256}:{schema.name}"
    _, earlier = await asyncio.gather(
        edge.blobs.put(doc_id, {source_key(doc_id): upload.data}, ttl),
        edge.results.open(record, fingerprint))
    if earlier is not None:
        await asyncio.gather(edge.blobs.delete_document(doc_id), edge.results.delete(doc_id))
        metrics.uploads.labels("deduplicated").inc()
        structlog.contextvars.bind_contextvars(document_id=earlier.id, deduplicated=True)
        if joined is not None:
            await joined(earlier.id)
        return Accepted.of(earlier.id, earlier.status, deduplicated=True)
    if joined is not None:
        await joined(doc_id)
    message = Submitted(
        id=doc_id, tenant=tenant, schema=schema.name,
        schema_def=None if schema.name in BUILTIN else schema,
        filename=upload.filename, content_type=info.content_type, blob=source_key(doc_id),
        sha256=info.sha256, submitted_at=record.created_at,
    )
    topic = catalogue.name(catalogue.SUBMITTED, settings.topic_prefix)
    try:
        await edge.publisher.publish(topic, doc_id, encode(message),
                                     {REQUEST_ID_HEADER: request_id})
    except ExtractorError as exc:
        # The message may still reach Kafka late: the final record makes every stage skip it.
        await edge.results.write(failed_result(doc_id, exc, record), force=True)
        await edge.blobs.delete_document(doc_id)
        metrics.uploads.labels(exc.code).inc()
        raise
    # After the ack (a retried upload must not find an id Kafka never saw) and after the
    # response: a lost write costs a later upload its deduplication, never a document.
    defer(_remember, edge, fingerprint, doc_id)
    metrics.uploads.labels("accepted").inc()
    # Carried by the request's one access log line (EdgeMiddleware), not a line of its own.
    structlog.contextvars.bind_contextvars(
        document_id=doc_id, pages=info.pages, bytes=len(upload.data),
        content_type=info.content_type, schema=schema.name)
    return Accepted.of(doc_id, Status.queued)


async def erase_document(edge: Edge, doc: Result, request_id: str) -> Result:
    """Cancel in-flight work and erase the document: its record, its bytes and, through a
    tombstone on documents.results, its data on Kafka once the topic is compacted.

    Safe to repeat: a DELETE answered 503 (Kafka down) has erased Redis and is retried whole.
    """
    cancelled = Result(id=doc.id, tenant=doc.tenant, schema=doc.schema_name,
                       status=Status.cancelled, created_at=doc.created_at,
                       completed_at=doc.completed_at, version=doc.version)
    await edge.results.write(cancelled, force=True)  # every stage skips it from now on
    await edge.blobs.delete_document(doc.id)
    topic = catalogue.name(catalogue.RESULTS, edge.settings.topic_prefix)
    await edge.publisher.publish(topic, doc.id, None, {REQUEST_ID_HEADER: request_id})
    for child in await _children(edge, doc):  # schema=auto: the parts go with their parent
        await erase_document(edge, child, request_id)
    return cancelled


async def _children(edge: Edge, doc: Result) -> list[Result]:
    found = await asyncio.gather(*(edge.results.get(c) for c in doc.children or []))
    return [child for child in found if child is not None]


async def describe(edge: Edge, doc: Result) -> dict[str, Any]:
    """The public result; a split document's also lists its children's states (schema=auto),
    with each one's review state, so the studio can show what its parts still wait for."""
    body = doc.public()
    if doc.children:
        body["children_status"] = [
            {"id": c.id, "status": c.status.value, "schema": c.schema_name,
             "page_range": c.page_range,
             "review": {"state": c.review.state, "fields": c.review.fields}}
            for c in await _children(edge, doc)]
    return body


async def _remember(edge: Edge, fingerprint: str, doc_id: str) -> None:
    try:
        await edge.results.remember(fingerprint, doc_id)
    except RedisError as exc:
        log.warning("dedup.write_failed", document_id=doc_id, error=repr(exc))

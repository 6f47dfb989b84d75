"""The batch service: accept many files as one batch, follow it, announce its completion."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import structlog
from fastapi import Request

from config.errors import ExtractorError, NotFound, RequestError, Unavailable
from ingest_api.auth import KeyRing
from ingest_api.batch_upload import MAX_BATCH_FILES, read_batch
from ingest_api.deps import Caller, Edge
from ingest_api.service import Defer, accept_file
from topics import catalogue
from topics.codec import encode
from topics.models import REQUEST_ID_HEADER
from topics.webhooks import DeliveryJob, Event

log = structlog.get_logger()
POLL_S = 0.5  # the events stream re-reads the batch's records this often
KEEPALIVE_S = 15


def max_files(edge: Edge) -> int:
    """A batch takes one token per file from the key's bucket: never more than it can hold."""
    limiter = edge.limiter
    return MAX_BATCH_FILES if limiter.rate <= 0 else min(MAX_BATCH_FILES, limiter.capacity)


async def accept_batch(edge: Edge, caller: Caller, request: Request,
                       defer: Defer) -> dict[str, Any]:
    """Validate each file, accept the good ones; one entry per file, in the order sent."""
    s, tenant = edge.settings, caller.tenant
    try:
        batch = await read_batch(request, limit=s.max_file_bytes, max_pages=s.max_pages,
                                 max_files=max_files(edge))
    finally:
        await caller.admitted  # the request's own token: the first file's
    await edge.limiter.check(KeyRing.key_id(request.headers.get("x-api-key")),
                             cost=len(batch.files) - 1)
    await edge.schemas.get(tenant, batch.schema)  # an unknown schema refuses the whole batch
    batch_id, request_id = uuid.uuid4().hex, request.state.request_id

    async def joined(doc_id: str) -> None:
        await edge.batches.add(batch_id, tenant, doc_id)

    entries: list[dict[str, Any]] = []
    broker_down: ExtractorError | None = None
    for file in batch.files:
        error = broker_down or file.error
        if file.upload is not None and error is None:
            try:
                accepted = await accept_file(edge, tenant, file.upload, request_id, defer,
                                             joined=joined)
                entries.append({"id": accepted.id, "filename": file.filename,
                                "status": accepted.status.value})
                continue
            except Unavailable as exc:  # Kafka is away: the rest would wait the same timeout
                error = broker_down = exc
            except RequestError as exc:
                error = exc
        assert error is not None
        entries.append({"filename": file.filename,
                        "error": {"code": error.code, "message": error.message}})
    if broker_down is not None and not any("id" in e for e in entries):
        raise broker_down  # nothing was accepted: the whole batch is worth retrying
    if await edge.batches.seal(batch_id, entries):
        await announce(edge, tenant, batch_id, request_id)
    structlog.contextvars.bind_contextvars(batch_id=batch_id, files=len(entries),
                                           document_id=None)
    return {"id": batch_id, "documents": entries}


async def announce(edge: Edge, tenant: str, batch_id: str, request_id: str) -> None:
    """Every document was final at sealing: the delivery agent fans the event out."""
    job = DeliveryJob(id="", tenant=tenant, event=Event.batch_completed, subject=batch_id)
    topic = catalogue.name(catalogue.WEBHOOK_JOBS, edge.settings.topic_prefix)
    await edge.publisher.publish(topic, job.key.decode(), encode(job),
                                 {REQUEST_ID_HEADER: request_id})


async def batch_summary(edge: Edge, tenant: str, batch_id: str) -> dict[str, Any]:
    summary = await edge.batches.summary(batch_id)
    if summary is None or summary.pop("tenant") != tenant:
        raise NotFound(f"batch {batch_id!r} not found")
    return summary


def is_done(summary: dict[str, Any]) -> bool:
    final = {"completed", "failed", "cancelled", "expired"}
    return all(status in final for status in summary["counts"])


async def batch_events(edge: Edge, tenant: str, batch_id: str) -> AsyncIterator[str]:
    """`progress` events (the summary without documents) on each change, then `completed`."""
    last: Any = None
    quiet = 0.0
    while True:
        summary = await batch_summary(edge, tenant, batch_id)
        progress = {k: summary[k] for k in ("id", "total", "counts")}
        if is_done(summary):
            yield f"event: completed\ndata: {json.dumps(summary)}\n\n"
            return
        if progress != last:
            last, quiet = progress, 0.0
            yield f"event: progress\ndata: {json.dumps(progress)}\n\n"
        elif quiet >= KEEPALIVE_S:
            quiet = 0.0
            yield ": keep-alive\n\n"
        await asyncio.sleep(POLL_S)
        quiet += POLL_S

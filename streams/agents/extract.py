"""documents.prepared -> documents.results: fields, validation, grounding, confidence."""

from __future__ import annotations

import asyncio
import time

import faust
import structlog

from config.errors import BlobMissing
from stores.blobs import source_key
from streams.agents import decode_keyed, forward_headers, run_stage
from streams.agents.preprocess import PAGES
from streams.context import StageContext
from streams.extraction.run import extract_pages
from streams.runner import Incoming
from streams.split import needs_review
from topics import catalogue
from topics.codec import encode
from topics.models import Prepared, Result, Status, utcnow

log = structlog.get_logger()
STAGE = catalogue.STAGES["extract"]


async def handle(ctx: StageContext, msg: Incoming) -> None:
    doc = decode_keyed(msg, Prepared)
    template = Result(id=doc.id, tenant=doc.tenant, schema=doc.schema_name, status=Status.queued,
                      created_at=doc.submitted_at, parent_id=doc.parent_id,
                      page_range=doc.page_range, classification=doc.classification)
    # The status write and one read of every blob, overlapped: they sit on every document's path.
    keys = [doc.pages_blob, *doc.image_blobs]
    live, found = await asyncio.gather(ctx.results.advance(template, Status.extracting),
                                       ctx.blobs.get_many(keys))
    if live is None:
        await _republish_completed(ctx, doc.id, msg)
        log.info("stage.skip_final")
        return
    blobs = dict(zip(keys, found, strict=True))
    if (raw := blobs[doc.pages_blob]) is None:
        raise BlobMissing(f"pages blob {doc.pages_blob!r} is missing or expired")
    pages = PAGES.validate_json(raw)
    wanted = {page.number: page.image_blob for page in pages if page.image_blob}
    unread = [key for key in wanted.values() if key not in blobs]  # sent without image_blobs
    blobs.update(zip(unread, await ctx.blobs.get_many(unread), strict=True))
    images: dict[int, bytes] = {}
    for number, key in wanted.items():
        if (data := blobs[key]) is None:
            raise BlobMissing(f"page image {key!r} is missing or expired")
        images[number] = data
    started = time.perf_counter()

    async def load_pdf() -> bytes | None:
        if doc.content_type != "application/pdf":
            return None
        return await ctx.blobs.get(source_key(doc.id))

    extraction = await extract_pages(pages, images, doc.schema_def, ctx.chain,
                                     ocr=ctx.settings.ocr_enabled, run_cpu=ctx.in_pool,
                                     load_pdf=load_pdf,
                                     review_threshold=ctx.settings.review_confidence_threshold)
    elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
    done = utcnow()
    timings = {**doc.timings_ms, "extract": elapsed_ms,
               "total": round((done - doc.submitted_at).total_seconds() * 1000, 1)}
    result = live.model_copy(update={
        "status": Status.completed, "data": extraction.data,
        "confidence": extraction.confidence, "citations": extraction.citations,
        "provider": extraction.provider, "model": extraction.model, "pages": len(pages),
        "timings_ms": timings, "completed_at": done,
        "error": None, "checks": extraction.checks,
        "review": needs_review(extraction.review, doc.classification,
                               ctx.settings.review_confidence_threshold),
    })
    # The store first: its write is the completion a waiting client sees. The topic after it,
    # marked as stored, so the store agent does not send the same record to Redis again.
    # Killed between the two, the redelivered message finds the record final and publishes it
    # (_republish_completed): the topic is at-least-once, the store exactly once.
    if not await ctx.results.write(result):  # final meanwhile: cancelled, or done before
        await _republish_completed(ctx, doc.id, msg)
        return
    await ctx.publish(STAGE.outputs[0], doc.id.encode(), encode(result),
                      forward_headers(msg, stored=True))
    await _erase_if_cancelled(ctx, doc.id, msg)
    log.info("stage.done", provider=extraction.provider, ms=elapsed_ms)


async def _republish_completed(ctx: StageContext, doc_id: str, msg: Incoming) -> None:
    """A redelivered document already completed: its topic write may have been cut short.
    A cancelled one publishes nothing: its data must not follow its erasure."""
    final = await ctx.results.get(doc_id)
    if final is not None and final.status == Status.completed:
        await ctx.publish(STAGE.outputs[0], doc_id.encode(), encode(final),
                          forward_headers(msg, stored=True))


async def _erase_if_cancelled(ctx: StageContext, doc_id: str, msg: Incoming) -> None:
    """A DELETE that raced the publish may have sent its tombstone first: send another."""
    final = await ctx.results.get(doc_id)
    if final is not None and final.status == Status.cancelled:
        await ctx.publish(STAGE.outputs[0], doc_id.encode(), None, forward_headers(msg))


def register(app: faust.App, ctx: StageContext) -> None:
    # The chain bounds in-flight AI calls (MAX_CONCURRENT_AI_REQUESTS); twice as many documents
    # keep those slots busy while others load pages or publish. Offsets commit only up to the
    # highest contiguous acked message, so a crash redelivers, never skips.
    run_stage(app, ctx, STAGE, handle, concurrency=2 * ctx.settings.max_concurrent_ai_requests)

"""documents.prepared -> documents.results: fields, validation, grounding, confidence."""

from __future__ import annotations

import time

import faust
import structlog

from config.errors import BlobMissing
from streams.agents import decode_keyed, forward_headers, incoming
from streams.agents.preprocess import PAGES
from streams.context import StageContext
from streams.extraction.grounding import ground
from streams.ocr import ocr_image
from streams.runner import Incoming
from topics import catalogue
from topics.codec import encode
from topics.models import Prepared, Result, Status, utcnow

log = structlog.get_logger()


async def handle(ctx: StageContext, msg: Incoming) -> None:
    doc = decode_keyed(msg, Prepared)
    template = Result(id=doc.id, tenant=doc.tenant, schema=doc.schema_name, status=Status.queued,
                      created_at=doc.submitted_at)
    live = await ctx.results.advance(doc.id, Status.extracting, template)
    if live is None:
        log.info("stage.skip_final")
        return
    raw = await ctx.blobs.get(doc.pages_blob)
    if raw is None:
        raise BlobMissing(f"pages blob {doc.pages_blob!r} is missing or expired")
    pages = PAGES.validate_json(raw)
    images: dict[int, bytes] = {}
    for page in pages:
        if page.image_blob:
            data = await ctx.blobs.get(page.image_blob)
            if data is None:
                raise BlobMissing(f"page image {page.image_blob!r} is missing or expired")
            images[page.number] = data
    started = time.perf_counter()
    for page in pages:
        if page.source == "image" and not page.words and ctx.settings.ocr_enabled:
            # Words are needed by the local extractor and to ground LLM answers on scans.
            words, text = await ctx.in_pool(ocr_image_words, images[page.number])
            page.words, page.text = words, text
    ocr_ms = (time.perf_counter() - started) * 1000
    extraction = ground(await ctx.chain.extract(pages, doc.schema_def, images), pages)
    done = utcnow()
    timings = {**doc.timings_ms, "ocr": round(ocr_ms, 1),
               "extract": round((time.perf_counter() - started) * 1000 - ocr_ms, 1),
               "total": round((done - doc.submitted_at).total_seconds() * 1000, 1)}
    result = live.model_copy(update={
        "status": Status.completed, "data": extraction.data,
        "confidence": extraction.confidence, "citations": extraction.citations,
        "provider": extraction.provider, "model": extraction.model, "pages": len(pages),
        "timings_ms": timings, "completed_at": done,
        "error": None,
    })
    await ctx.send(ctx.topic_name(catalogue.RESULTS), doc.id.encode(), encode(result),
                   forward_headers(msg))
    log.info("stage.done", provider=extraction.provider, ms=timings["extract"])


def ocr_image_words(image: bytes):
    """Runs in the pool: OCR words and the page text they spell."""
    words, _, _ = ocr_image(image)
    return words, " ".join(w.text for w in words)


def register(app: faust.App, ctx: StageContext) -> None:
    runner = ctx.runner("extract", catalogue.PREPARED)
    topic = app.topic(ctx.topic_name(catalogue.PREPARED), key_type=bytes, value_type=bytes)

    # Concurrency bounds in-flight AI calls per worker; offsets still commit only up to the
    # highest contiguous acked message, so a crash redelivers, never skips.
    @app.agent(topic, name="extract", concurrency=ctx.settings.max_concurrent_ai_requests)
    async def extract(stream):
        async for event in stream.events():
            await runner.run(incoming(event), lambda m: handle(ctx, m))

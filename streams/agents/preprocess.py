"""documents.submitted -> documents.prepared: text layer, words, page renders."""

from __future__ import annotations

import asyncio
import base64
import binascii
import time

import faust
import structlog
from pydantic import TypeAdapter

from config.errors import BlobMissing, InvalidDocument, UndecodableMessage
from config.media import MEDIA_TYPES
from config.schemas import AUTO
from stores.blobs import image_key, pages_key
from stores.reviews import ReviewStore
from streams.agents import decode_keyed, forward_headers, run_stage
from streams.context import StageContext
from streams.document import Page
from streams.preprocess import PreviewOptions, prepare
from streams.runner import Incoming
from topics import catalogue
from topics.codec import encode
from topics.models import Prepared, Result, Status, Submitted

log = structlog.get_logger()
STAGE = catalogue.STAGES["preprocess"]
TO_EXTRACT, TO_CLASSIFY = STAGE.outputs
PAGES = TypeAdapter(list[Page])
PREVIEWS = PreviewOptions()  # page images for the review studio


async def handle(ctx: StageContext, msg: Incoming) -> None:
    doc = decode_keyed(msg, Submitted)
    schema = doc.schema_def or await ctx.schemas.get(doc.tenant, doc.schema_name)
    template = Result(id=doc.id, tenant=doc.tenant, schema=schema.name, status=Status.queued,
                      created_at=doc.submitted_at)
    if doc.content_type not in MEDIA_TYPES:
        raise InvalidDocument(f"content_type {doc.content_type!r} is not PDF, JPEG or PNG")
    # Two independent round trips to Redis, overlapped: they sit on every document's path.
    live, data = await asyncio.gather(ctx.results.advance(template, Status.preprocessing),
                                      _document_bytes(ctx, doc), return_exceptions=True)
    if isinstance(live, BaseException):
        raise live
    if live is None:  # before the bytes' fate: a finished document's bytes are gone, rightly
        log.info("stage.skip_final")  # cancelled, or already done on an earlier delivery
        return
    if isinstance(data, BaseException):
        raise data
    started = time.perf_counter()
    pages, images, previews = await ctx.in_pool(prepare, data, doc.content_type, ctx.render,
                                                PREVIEWS)
    blobs: dict[str, bytes] = {}
    for number, jpeg in images.items():
        blobs[key := image_key(doc.id, number)] = jpeg
        pages[number - 1].image_blob = key
    blobs[pages_key(doc.id)] = PAGES.dump_json(pages)
    await ctx.blobs.put(doc.id, blobs, ctx.settings.result_ttl_seconds)
    prepared = Prepared(
        id=doc.id, tenant=doc.tenant, schema=schema.name, schema_def=schema,
        filename=doc.filename, content_type=doc.content_type, pages_blob=pages_key(doc.id),
        image_blobs=[page.image_blob for page in pages if page.image_blob],
        page_count=len(pages), submitted_at=doc.submitted_at,
        timings_ms={"preprocess": round((time.perf_counter() - started) * 1000, 1)},
    )
    # Only schema=auto needs the classify stage; the others skip its hop.
    target = TO_CLASSIFY if schema.name == AUTO.name else TO_EXTRACT
    await ctx.publish(target, doc.id.encode(), encode(prepared), forward_headers(msg))
    log.info("stage.done", pages=len(pages), rendered=len(images))
    await _store_previews(ctx, doc, previews)


async def _store_previews(ctx: StageContext, doc: Submitted, previews: dict[int, bytes]) -> None:
    """Page images for the review studio, after the publish: off the result's critical path."""
    try:
        await ReviewStore(ctx.stores.redis, ctx.settings.result_ttl_seconds).put_previews(
            doc.tenant, doc.id, previews, doc.filename)
    except Exception as exc:  # best effort: a document without previews is still extracted
        log.warning("preview.failed", error=repr(exc))


async def _document_bytes(ctx: StageContext, doc: Submitted) -> bytes:
    if doc.content_b64 is not None:
        try:
            data = base64.b64decode(doc.content_b64, validate=True)
        except (binascii.Error, ValueError):
            raise UndecodableMessage("content_b64 is not valid base64") from None
        if len(data) > ctx.settings.inline_max_bytes:
            raise InvalidDocument(f"inline documents are limited to {ctx.settings.inline_max_bytes}"
                                  " bytes; send larger ones by blob reference")
        return data
    stored = await ctx.blobs.get(doc.blob or "")
    if stored is None:
        raise BlobMissing(f"blob {doc.blob!r} is missing or expired")
    return stored


def register(app: faust.App, ctx: StageContext) -> None:
    run_stage(app, ctx, STAGE, handle, concurrency=ctx.pool_size + 1)

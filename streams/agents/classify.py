"""documents.paged -> documents.prepared: `schema=auto` documents are split and classified.

Other documents pass through unchanged (the same bytes). An `auto` document (the parent) gets
one child document per part: its pages blob, its record and its message on documents.prepared;
parts of type `other` complete here, without extraction, and go to documents.results.
"""

from __future__ import annotations

import time

import faust
import structlog

from config.errors import BlobMissing
from config.schemas import AUTO, BUILTIN, OTHER, PSEUDO, SchemaDef
from streams.agents import decode_keyed, forward_headers, run_stage
from streams.agents.preprocess import PAGES
from streams.classify import PagePart, classify_document
from streams.context import StageContext
from streams.runner import Incoming
from streams.split import (
    cancel_children,
    child_message,
    child_pages,
    complete_if_done,
    other_result,
    queued_child,
    summary,
)
from topics import catalogue
from topics.codec import encode
from topics.models import Prepared, Result, Status

log = structlog.get_logger()
STAGE = catalogue.STAGES["classify"]
PREPARED, RESULTS = STAGE.outputs


async def handle(ctx: StageContext, msg: Incoming) -> None:
    doc = decode_keyed(msg, Prepared)
    if doc.schema_name != AUTO.name:
        await ctx.publish(PREPARED, doc.id.encode(), msg.value, forward_headers(msg))
        return
    template = Result(id=doc.id, tenant=doc.tenant, schema=AUTO.name, status=Status.queued,
                      created_at=doc.submitted_at)
    live = await ctx.results.get(doc.id)
    if live is None or not live.status.final and not live.children:
        live = await ctx.results.advance(template, Status.preprocessing)
    elif live.status.final:
        live = None
    # else a redelivery after the split: keep the listed children, a finishing one needs them
    if live is None:
        log.info("stage.skip_final")  # cancelled, or split and completed on an earlier delivery
        return
    started = time.perf_counter()
    if (raw := await ctx.blobs.get(doc.pages_blob)) is None:
        raise BlobMissing(f"pages blob {doc.pages_blob!r} is missing or expired")
    pages = PAGES.validate_json(raw)
    wanted = [p.image_blob for p in pages if p.image_blob and not p.words]
    images = {p.number: data for p, data in zip(
        [p for p in pages if p.image_blob and not p.words],
        await ctx.blobs.get_many(wanted), strict=True) if data is not None}
    candidates = await _candidates(ctx, doc.tenant)
    parts, method = await classify_document(pages, images, candidates, ctx.chain,
                                            ocr=ctx.settings.ocr_enabled, run_cpu=ctx.in_pool)
    timings = {**doc.timings_ms, "classify": round((time.perf_counter() - started) * 1000, 1)}
    children: list[Prepared] = []
    others: list[Result] = []
    blobs: dict[str, dict[str, bytes]] = {}
    for part in parts:
        if part.schema == OTHER:
            others.append(other_result(doc, part, method))
            continue
        sub = child_pages(pages, part)
        child = child_message(doc, part, _schema(candidates, part), sub, method, timings)
        children.append(child)
        blobs[child.id] = {child.pages_blob: PAGES.dump_json(sub)}
    for cid, blob in blobs.items():
        await ctx.blobs.put(cid, blob, ctx.settings.result_ttl_seconds)
    ranked = sorted([(c.page_range or (0, 0), c.id) for c in children]
                    + [(o.page_range or (0, 0), o.id) for o in others])
    ids = [cid for _, cid in ranked]
    parent = live.model_copy(update={"status": Status.extracting, "children": ids,
                                     "pages": len(pages), "timings_ms": timings,
                                     "classification": summary(parts, method)})
    # The parent lists its children before any exists: a child that completes finds it.
    if not await ctx.results.write(parent):
        log.info("stage.skip_final")
        return
    for child in children:
        await ctx.results.write(queued_child(child))
        await ctx.publish(PREPARED, child.id.encode(), encode(child), forward_headers(msg))
    for other in others:
        if await ctx.results.write(other):
            await ctx.publish(RESULTS, other.id.encode(), encode(other),
                              forward_headers(msg, stored=True))
    await _cancelled_meanwhile(ctx, parent, msg)
    # Every child final already (all `other`, or a redelivery after the last finished).
    final = await complete_if_done(ctx.results, parent,
                                   threshold=ctx.settings.review_confidence_threshold)
    if final is not None:
        await ctx.publish(RESULTS, final.id.encode(), encode(final),
                          forward_headers(msg, stored=True))
    log.info("stage.done", parts=len(parts), children=len(children), other=len(others),
             method=method)


async def _candidates(ctx: StageContext, tenant: str) -> dict[str, SchemaDef]:
    """The built-ins, and the tenant's own schemas that describe what they are for."""
    own = [s for s in await ctx.schemas.list(tenant)
           if s.name not in BUILTIN and s.name not in PSEUDO and s.description]
    return {**BUILTIN, **{s.name: s for s in own}}


def _schema(candidates: dict[str, SchemaDef], part: PagePart) -> SchemaDef:
    return candidates.get(part.schema) or BUILTIN["invoice"]


async def _cancelled_meanwhile(ctx: StageContext, parent: Result, msg: Incoming) -> None:
    """A DELETE that read the parent before it listed its children: erase them here."""
    final = await ctx.results.get(parent.id)
    if final is None or final.status is not Status.cancelled:
        return

    async def erase(cid: str) -> None:
        await ctx.blobs.delete_document(cid)
        await ctx.publish(RESULTS, cid.encode(), None, forward_headers(msg))

    await cancel_children(ctx.results, parent, erase)
    log.info("stage.cancelled_meanwhile", children=len(parent.children or []))


def register(app: faust.App, ctx: StageContext) -> None:
    run_stage(app, ctx, STAGE, handle, concurrency=ctx.pool_size + 1)

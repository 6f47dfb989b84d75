"""documents.results -> the Redis result store (one final record per document)."""

from __future__ import annotations

import asyncio

import faust
import structlog

from streams.agents import decode_keyed, forward_headers, run_stage
from streams.context import StageContext
from streams.runner import Incoming
from streams.split import settle
from topics import catalogue
from topics.catalogue import RESULTS
from topics.codec import encode
from topics.models import STORED_HEADER, Result, Status

log = structlog.get_logger()
STAGE = catalogue.STAGES["store"]


async def handle(ctx: StageContext, msg: Incoming) -> None:
    if msg.value is None and msg.key is not None:
        log.info("stage.tombstone")  # a DELETE's erasure mark for compaction; nothing to store
        return
    result = decode_keyed(msg, Result)
    # The extract stage writes its result before it publishes it and says so in a header;
    # the write here is for the rest (failed documents, other producers, older messages).
    stored = msg.headers.get(STORED_HEADER) == b"1"
    written = not stored and await ctx.results.write(result)
    if not await _keeps_blobs(ctx, result):
        await ctx.blobs.delete_document(result.id)
    if result.parent_id and result.status.final:
        await _settle_parent(ctx, result, msg)
    log.info("stage.done", status=result.status.value, written=written, stored_before=stored)


async def _keeps_blobs(ctx: StageContext, result: Result) -> bool:
    """Failed documents keep their bytes until the TTL so a DLQ replay can still run; so does
    a split parent with a failed part, whose replay reads the parent's page images."""
    if result.status is Status.failed:
        return True
    kids = await asyncio.gather(*(ctx.results.get(c) for c in result.children or []))
    return any(k is not None and k.status is Status.failed for k in kids)


async def _settle_parent(ctx: StageContext, child: Result, msg: Incoming) -> None:
    """The last child of a `schema=auto` document to become final completes its parent."""
    parent = await settle(ctx.results, ctx.stores.redis, child, ttl=ctx.settings.result_ttl_seconds,
                          threshold=ctx.settings.review_confidence_threshold)
    if parent is not None:
        await ctx.publish(RESULTS, parent.id.encode(), encode(parent),
                          forward_headers(msg, stored=True))
        log.info("split.parent_completed", parent_id=parent.id)


def register(app: faust.App, ctx: StageContext) -> None:
    run_stage(app, ctx, STAGE, handle, concurrency=4)

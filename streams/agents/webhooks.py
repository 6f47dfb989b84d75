"""documents.results -> delivery jobs on webhooks.retry: one per subscribed endpoint and event.

No HTTP here: a slow or failing receiver never holds up this topic (nor the store agent, which
reads the same messages). A final result also counts towards its batches; the result that
completes a batch makes its `batch.completed` jobs.
"""

from __future__ import annotations

import faust
import structlog

from config.errors import MessageError
from streams.agents import decode_keyed, forward_headers, run_stage
from streams.context import StageContext
from streams.runner import Incoming
from streams.webhooks import jobs_for, jobs_for_result
from topics import catalogue
from topics.codec import encode
from topics.models import STORED_HEADER, Result, utcnow
from topics.webhooks import DeliveryJob, Event

log = structlog.get_logger()
STAGE = catalogue.STAGES["webhooks"]


async def handle(ctx: StageContext, msg: Incoming) -> None:
    if msg.value is None:  # a DELETE: no event, but a cancelled document is final in its batch
        if msg.document_id:
            await count_final(ctx, msg, msg.document_id)
        return
    try:
        result = decode_keyed(msg, Result)
    except MessageError:
        return  # the store stage dead-letters it; a second letter would replay it twice
    if msg.headers.get(STORED_HEADER) != b"1":
        await ctx.results.write(result)  # delivery reads the record; the store agent may lag
    jobs = await jobs_for_result(ctx.webhooks, result)
    await publish(ctx, msg, jobs)
    if result.status.final:
        await count_final(ctx, msg, result.id)
    if jobs:
        log.info("webhook.jobs", document_id=result.id, jobs=len(jobs),
                 webhook_event=jobs[0].event.value)


async def count_final(ctx: StageContext, msg: Incoming, doc_id: str) -> None:
    for batch_id in await ctx.batches.batches_of(doc_id):
        if await ctx.batches.final(batch_id, doc_id):
            tenant = await ctx.batches.tenant(batch_id) or ""
            jobs = await jobs_for(ctx.webhooks, tenant, Event.batch_completed, batch_id, 1,
                                  utcnow())
            await publish(ctx, msg, jobs)
            log.info("webhook.batch_completed", batch_id=batch_id, jobs=len(jobs))


async def publish(ctx: StageContext, msg: Incoming, jobs: list[DeliveryJob]) -> None:
    for job in jobs:
        await ctx.publish(catalogue.WEBHOOK_JOBS, job.key, encode(job), forward_headers(msg))


def register(app: faust.App, ctx: StageContext) -> None:
    run_stage(app, ctx, STAGE, handle, concurrency=4)

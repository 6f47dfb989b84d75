"""webhooks.retry -> signed POSTs. A failed attempt is rescheduled in Redis after its backoff and
comes back through this topic; after WEBHOOK_MAX_ATTEMPTS the job goes to webhooks.dlq.

Each endpoint gets at most WEBHOOK_ENDPOINT_CONCURRENCY POSTs in flight per worker. A job for a
busy endpoint is put back a moment later instead of waiting, so a slow receiver occupies at most
that many of the agent's slots and the others keep delivering.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict

import faust
import structlog

from config.errors import MessageError, WebhookUndeliverable
from streams.agents import forward_headers, run_stage
from streams.context import StageContext
from streams.runner import Incoming
from streams.webhooks import (
    attempt_record,
    backoff,
    body,
    event_data,
    jobs_for,
    new_client,
    post,
)
from topics import catalogue
from topics.codec import decode, encode
from topics.webhooks import DeliveryJob

log = structlog.get_logger()
STAGE = catalogue.STAGES["webhook_delivery"]
SLOTS = 64  # jobs in flight per worker
BUSY_DELAY_S = 0.5  # a job for an endpoint at its concurrency limit is retried this much later
POLL_S = 0.5  # how often due retries are moved from the schedule back to the topic
REPLAYED_HEADER = "replayed_from"  # set by `dlq replay`: the schedule starts again


class Delivery:
    def __init__(self, ctx: StageContext) -> None:
        self.ctx = ctx
        self.client = new_client(SLOTS)
        self.limits: dict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(ctx.settings.webhook_endpoint_concurrency))

    async def handle(self, ctx: StageContext, msg: Incoming) -> None:
        job = decode(msg.value, DeliveryJob)
        if REPLAYED_HEADER in msg.headers:
            job = job.model_copy(update={"attempt": 1})
        if job.endpoint is None:  # a batch completed at upload time: fan it out here
            jobs = await jobs_for(ctx.webhooks, job.tenant, job.event, job.subject,
                                  job.version, job.timestamp)
            for each in jobs:
                await ctx.publish(STAGE.source, each.key, encode(each), forward_headers(msg))
            return
        if await ctx.webhooks.delivered(job.id):
            return  # a redelivered result or a duplicate job: the receiver has it
        hook = await ctx.webhooks.get(job.tenant, job.endpoint)
        data = await event_data(job, ctx.results, ctx.batches) if hook else None
        if hook is None or data is None:
            log.info("webhook.dropped", webhook_id=job.id, endpoint=job.endpoint,
                     reason="endpoint deleted" if hook is None else "subject gone or changed")
            return
        endpoint = f"{job.tenant}/{job.endpoint}"
        limit = self.limits[endpoint]
        if limit.locked():
            await ctx.webhooks.schedule(encode(job), time.time() + BUSY_DELAY_S)
            return
        s, metrics = ctx.settings, ctx.metrics
        async with limit:
            outcome = await post(self.client, hook, job, body(job, data),
                                 timeout=s.webhook_timeout_seconds,
                                 allow_private=s.webhook_allow_private)
        metrics.webhook_attempts.labels(endpoint).inc()
        metrics.webhook_latency.labels(endpoint).observe(outcome.seconds)
        await ctx.webhooks.record(job.tenant, job.endpoint, attempt_record(job, outcome))
        log.info("webhook.attempt", webhook_id=job.id, endpoint=endpoint,
                 webhook_event=job.event.value, attempt=job.attempt,
                 status_code=outcome.status_code, error=outcome.error,
                 ms=round(outcome.seconds * 1000, 1))
        if outcome.ok:
            metrics.webhook_successes.labels(endpoint).inc()
            await ctx.webhooks.mark_delivered(job.id)
            return
        metrics.webhook_failures.labels(endpoint, outcome.reason[:40]).inc()
        if job.attempt >= s.webhook_max_attempts:
            raise WebhookUndeliverable(f"{endpoint}: {job.attempt} attempts failed, "
                                       f"the last with {outcome.reason}")
        delay = backoff(job.attempt, s.webhook_retry_base_seconds, s.webhook_retry_max_seconds)
        retry = job.model_copy(update={"attempt": job.attempt + 1})
        await ctx.webhooks.schedule(encode(retry), time.time() + delay)

    async def requeue_due(self) -> None:
        """Due retries back onto the topic; the lease keeps them if this worker dies midway."""
        jobs, lease = await self.ctx.webhooks.take_due(200)
        for raw in jobs:
            try:
                key = decode(raw, DeliveryJob).key
            except MessageError:
                key = b"webhook:undecodable"  # the agent dead-letters it, with its reason
            await self.ctx.publish(STAGE.source, key, raw, {})
        await self.ctx.webhooks.done(jobs, lease)


def register(app: faust.App, ctx: StageContext) -> None:
    delivery = Delivery(ctx)
    run_stage(app, ctx, STAGE, delivery.handle, concurrency=SLOTS)

    @app.timer(interval=POLL_S)
    async def webhook_retries() -> None:
        try:
            await delivery.requeue_due()
        except Exception:  # Redis or Kafka away: the jobs stay scheduled; try again next tick
            log.warning("webhook.requeue_failed", exc_info=True)

    @app.on_before_shutdown.connect  # type: ignore[arg-type]
    async def close_client(_sender, **_kwargs) -> None:
        await delivery.client.aclose()

"""Run one stage on one message: retry what is transient, dead-letter the rest, never raise.

This is the single poison-message policy of every agent. A dead letter keeps the original
bytes; its headers say where it came from and why it failed, and the document is marked
`failed` so that no upload goes silently missing.

Transient errors are retried STAGE_MAX_ATTEMPTS times, except an unreachable Redis
(`StoreUnavailable`, which every `RedisError` becomes): without its store no stage can do
anything, so the stage waits the outage out and the documents in flight then complete.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

import structlog
from redis.exceptions import RedisError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, wait_exponential_jitter

from config.errors import ExtractorError, StoreUnavailable
from topics.models import ID_PATTERN, utcnow

log = structlog.get_logger()
DLQ_PREFIX = "dlq."


@dataclass
class Incoming:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, bytes] = field(default_factory=dict)

    @property
    def request_id(self) -> str:
        return self.headers.get("request_id", b"").decode(errors="replace")

    @property
    def document_id(self) -> str | None:
        key = (self.key or b"").decode(errors="replace")
        return key if re.match(ID_PATTERN, key) else None


Handler = Callable[[Incoming], Awaitable[None]]
Send = Callable[[str, bytes | None, bytes | None, dict[str, bytes]], Awaitable[None]]


def _is_transient(exc: BaseException) -> bool:
    return isinstance(exc, ExtractorError) and exc.transient


def dlq_headers(msg: Incoming, stage: str, err: ExtractorError, attempts: int,
                first_failure: datetime) -> dict[str, bytes]:
    info = {
        "original_topic": msg.topic,
        "original_partition": str(msg.partition),
        "original_offset": str(msg.offset),
        "error_code": err.code,
        "error_message": err.message[:1000],
        "stage": stage,
        "attempts": str(attempts),
        "first_failure_at": first_failure.isoformat(),
    }
    headers = {k: v for k, v in msg.headers.items() if not k.startswith(DLQ_PREFIX)}
    headers.update({DLQ_PREFIX + k: v.encode() for k, v in info.items()})
    return headers


async def store_errors_are_transient(work: Awaitable[None]) -> None:
    """Await `work`; a Redis error becomes the retryable StoreUnavailable."""
    try:
        await work
    except RedisError as exc:
        raise StoreUnavailable(f"the result store is unreachable: {exc!r}") from exc


class StageRunner:
    def __init__(self, stage: str, *, send: Send, dlq_topic: str, mark_failed, metrics,
                 max_attempts: int, base_delay: float, max_delay: float) -> None:
        self.stage = stage
        self.send = send
        self.dlq_topic = dlq_topic
        self.mark_failed: Callable[[str, ExtractorError], Awaitable[None]] = mark_failed
        self.metrics = metrics
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay

    def _stop(self, state: RetryCallState) -> bool:
        exc = state.outcome.exception() if state.outcome else None
        return not isinstance(exc, StoreUnavailable) and state.attempt_number >= self.max_attempts

    def _wait(self, state) -> float:
        backoff = wait_exponential_jitter(initial=self.base_delay, max=self.max_delay)(state)
        exc = state.outcome.exception() if state.outcome else None
        return max(backoff, getattr(exc, "retry_after", None) or 0.0)

    async def run(self, msg: Incoming, handler: Handler) -> None:
        structlog.contextvars.bind_contextvars(
            request_id=msg.request_id, document_id=msg.document_id, stage=self.stage
        )
        started = time.perf_counter()
        first_failure: datetime | None = None
        attempts = 0
        try:
            async for attempt in AsyncRetrying(
                retry=retry_if_exception(_is_transient), stop=self._stop, wait=self._wait,
                reraise=True,
            ):
                with attempt:
                    attempts = attempt.retry_state.attempt_number
                    if attempts > 1:
                        self.metrics.retries.labels(self.stage).inc()
                        log.warning("stage.retry", attempt=attempts)
                    try:
                        await store_errors_are_transient(handler(msg))
                    except Exception:
                        first_failure = first_failure or utcnow()
                        raise
            self.metrics.stage_outcomes.labels(self.stage, "ok").inc()
        except Exception as exc:  # the agent loop must never see an exception
            err = exc if isinstance(exc, ExtractorError) else ExtractorError(repr(exc))
            if not isinstance(exc, ExtractorError):
                log.exception("stage.bug")
            await self._dead_letter(msg, err, attempts, first_failure or utcnow())
        finally:
            self.metrics.stage_duration.labels(self.stage).observe(time.perf_counter() - started)
            structlog.contextvars.unbind_contextvars("request_id", "document_id", "stage")

    async def _dead_letter(self, msg: Incoming, err: ExtractorError, attempts: int,
                           first_failure: datetime) -> None:
        headers = dlq_headers(msg, self.stage, err, attempts, first_failure)
        log.error("stage.dead_letter", code=err.code, reason=err.message[:200], attempts=attempts)
        self.metrics.dlq.labels(self.stage, err.code).inc()
        self.metrics.stage_outcomes.labels(self.stage, "dead_letter").inc()
        # Faust acks a message whose agent raised, so a DLQ outage must block, not raise.
        async for attempt in AsyncRetrying(
            wait=wait_exponential_jitter(initial=self.base_delay, max=self.max_delay)
        ):
            with attempt:
                await self.send(self.dlq_topic, msg.key, msg.value, headers)
        if msg.document_id:
            try:  # the document ends `failed`: worth waiting out a store outage for
                async for attempt in AsyncRetrying(
                    retry=retry_if_exception(_is_transient),
                    wait=wait_exponential_jitter(initial=self.base_delay, max=self.max_delay),
                    reraise=True,
                ):
                    with attempt:
                        await store_errors_are_transient(self.mark_failed(msg.document_id, err))
            except Exception:
                log.exception("stage.mark_failed_error")


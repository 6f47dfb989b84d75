"""Webhook delivery as plain functions: which jobs an event makes, the signed request, one attempt.

Signatures follow the Standard Webhooks specification: `webhook-signature` is `v1,` + base64 of
HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}`, keyed by the base64-decoded secret.
The id is the same on every attempt; the timestamp is the attempt's (receivers refuse old ones).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from config.errors import ExtractorError
from stores.batches import BatchStore
from stores.netguard import resolve_safe
from stores.protocols import ResultStore
from stores.webhooks import Attempt, Webhook, WebhookStore, secret_key
from topics.models import Result, Status
from topics.webhooks import DeliveryJob, Event, document_event, webhook_id

MAX_RESPONSE_BYTES = 4096  # read from a receiver's answer, then the connection is closed
BACKOFF_FACTOR = 5


def new_client(connections: int = 64) -> httpx.AsyncClient:
    """The delivery client: redirects are never followed, proxies from the environment unused."""
    return httpx.AsyncClient(follow_redirects=False, trust_env=False,
                             limits=httpx.Limits(max_connections=connections))


def backoff(attempt: int, base: float, cap: float,
            rand: Callable[[float, float], float] = random.uniform) -> float:
    """Seconds to wait after failed attempt `attempt` (1-based): base x 5^(n-1), +-20% jitter."""
    return min(cap, base * BACKOFF_FACTOR ** (attempt - 1)) * rand(0.8, 1.2)


def schedule(base: float, cap: float, attempts: int) -> list[float]:
    """The nominal delays between attempts (no jitter), as README documents them."""
    return [backoff(n, base, cap, lambda a, b: 1.0) for n in range(1, attempts)]


async def jobs_for(store: WebhookStore, tenant: str, event: Event, subject: str,
                   version: int, timestamp: datetime) -> list[DeliveryJob]:
    """One job per endpoint of the tenant that subscribed to `event`."""
    return [DeliveryJob(id=webhook_id(tenant, hook.name, event, subject, version),
                        tenant=tenant, endpoint=hook.name, event=event, subject=subject,
                        version=version, timestamp=timestamp)
            for hook in await store.for_tenant(tenant) if event in hook.events]


async def jobs_for_result(store: WebhookStore, result: Result) -> list[DeliveryJob]:
    event = document_event(result)
    if event is None:
        return []
    when = result.completed_at or result.created_at
    return await jobs_for(store, result.tenant, event, result.id, result.version, when)


async def event_data(job: DeliveryJob, results: ResultStore,
                     batches: BatchStore) -> dict[str, Any] | None:
    """The body's `data`, read now; None when it is gone or no longer what the event said."""
    if job.event is Event.batch_completed:
        summary = await batches.summary(job.subject)
        if summary is None or summary.pop("tenant") != job.tenant:
            return None
        return summary
    result = await results.get(job.subject)
    if result is None or result.tenant != job.tenant:
        return None
    wanted = Status.failed if job.event is Event.document_failed else Status.completed
    return result.public() if result.status is wanted else None


def body(job: DeliveryJob, data: dict[str, Any]) -> bytes:
    return json.dumps({"type": job.event.value, "timestamp": job.timestamp.isoformat(),
                       "data": data}, separators=(",", ":"), ensure_ascii=False).encode()


def sign(secret: str, msg_id: str, timestamp: int, payload: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + payload
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, msg_id: str, payload: bytes, now: float | None = None) -> dict[str, str]:
    timestamp = int(time.time() if now is None else now)
    return {"webhook-id": msg_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(secret, msg_id, timestamp, payload),
            "content-type": "application/json", "user-agent": "ai-doc-extractor-webhooks/1"}


@dataclass
class Outcome:
    status_code: int | None
    error: str | None
    seconds: float

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def reason(self) -> str:
        return self.error or f"http_{self.status_code}"


async def post(client: httpx.AsyncClient, hook: Webhook, job: DeliveryJob, payload: bytes, *,
               timeout: float, allow_private: bool) -> Outcome:
    """One attempt: resolve and check the host, POST to that address, read a capped answer."""
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):  # the whole attempt, a slow-dripping answer too
            address = await resolve_safe(hook.url, allow_private=allow_private)
            url, host = _pinned(hook.url, str(address))
            sent = headers(hook.secret, job.id, payload) | {"host": host}
            extensions = {"sni_hostname": urlsplit(hook.url).hostname or ""}
            request = client.build_request("POST", url, content=payload, headers=sent,
                                           timeout=timeout, extensions=extensions)
            response = await client.send(request, stream=True)  # redirects are not followed
            try:
                read = 0
                async for chunk in response.aiter_raw():
                    read += len(chunk)
                    if read >= MAX_RESPONSE_BYTES:
                        break
            finally:
                await response.aclose()
            return Outcome(response.status_code, None, time.perf_counter() - started)
    except TimeoutError:
        error = "timeout"
    except ExtractorError as exc:  # the address check refused it
        error = f"refused: {exc.message}"[:300]
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
    return Outcome(None, error, time.perf_counter() - started)


def _pinned(url: str, address: str) -> tuple[str, str]:
    """The URL with its host replaced by the checked address, and the Host header to send."""
    parts = urlsplit(url)
    host = f"[{address}]" if ":" in address else address
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit(parts._replace(netloc=netloc)), parts.netloc


def attempt_record(job: DeliveryJob, outcome: Outcome) -> Attempt:
    return Attempt(event=job.event, webhook_id=job.id, attempt=job.attempt,
                   status_code=outcome.status_code, error=outcome.error,
                   duration_ms=round(outcome.seconds * 1000, 1))

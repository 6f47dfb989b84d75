"""Webhook endpoints per tenant, their delivery logs, and the schedule of due retries, in Redis.

Secrets are kept as given (`whsec_` + base64): signing needs the key itself. The schedule is a
sorted set of delivery jobs by due time; taking jobs leases them for `LEASE_SECONDS`, so a worker
that dies between taking and re-publishing them loses nothing (they come due again).
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, Field
from redis.asyncio import Redis

from topics.models import utcnow
from topics.webhooks import Event

SECRET_PREFIX = "whsec_"
SCHEDULE = "webhooks:schedule"
LEASE_SECONDS = 60  # a taken job comes due again unless re-published and dropped by then
LOG_KEEP = 100  # attempts kept per endpoint
DELIVERED_SECONDS = 86400  # a webhook-id that got a 2xx is not sent again for this long

# KEYS[1] schedule; ARGV: now, lease_until, limit. Takes due jobs, leasing them until then.
_TAKE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, job in ipairs(due) do
  redis.call('ZADD', KEYS[1], ARGV[2], job)
end
return due
"""
# KEYS[1] schedule; ARGV: lease_until, jobs... Drops jobs still on that lease (not rescheduled).
_DONE = """
local n = 0
for i = 2, #ARGV do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) == ARGV[1] then
    n = n + redis.call('ZREM', KEYS[1], ARGV[i])
  end
end
return n
"""


def new_secret() -> str:
    """`whsec_` + base64 of 32 random bytes (the spec asks for 24 to 64)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key: the base64-decoded part after `whsec_`."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)


class Webhook(BaseModel):
    name: str
    url: str
    events: list[Event]
    secret: str
    created_at: datetime = Field(default_factory=utcnow)

    def public(self) -> dict:
        """What `GET /v1/webhooks` shows: everything but the secret."""
        return self.model_dump(mode="json", exclude={"secret"})


class Attempt(BaseModel):
    """One delivery attempt, as the delivery log shows it (never a body)."""

    at: datetime = Field(default_factory=utcnow)
    event: Event
    webhook_id: str
    attempt: int
    status_code: int | None = None
    error: str | None = None
    duration_ms: float


class WebhookStore(Protocol):
    async def put(self, tenant: str, hook: Webhook) -> None: ...
    async def get(self, tenant: str, name: str) -> Webhook | None: ...
    async def for_tenant(self, tenant: str) -> list[Webhook]: ...
    async def delete(self, tenant: str, name: str) -> bool: ...
    async def record(self, tenant: str, name: str, attempt: Attempt) -> None: ...
    async def attempts(self, tenant: str, name: str, limit: int) -> list[Attempt]: ...
    async def schedule(self, job: bytes, due: float) -> None: ...
    async def take_due(self, limit: int) -> tuple[list[bytes], str]: ...
    async def done(self, jobs: list[bytes], lease: str) -> None: ...
    async def delivered(self, webhook_id: str) -> bool: ...
    async def mark_delivered(self, webhook_id: str) -> None: ...


def _hooks_key(tenant: str) -> str:
    return f"webhooks:{tenant}"


def _log_key(tenant: str, name: str) -> str:
    return f"webhooklog:{tenant}:{name}"


class RedisWebhookStore:
    def __init__(self, redis: Redis, namespace: str = "") -> None:
        self.redis = redis
        # One schedule per topic set: its jobs are re-published to these topics only.
        self.schedule_key = f"{namespace}{SCHEDULE}"
        self._take = redis.register_script(_TAKE)
        self._done = redis.register_script(_DONE)

    async def put(self, tenant: str, hook: Webhook) -> None:
        await self.redis.hset(_hooks_key(tenant), hook.name, hook.model_dump_json())  # type: ignore[misc]

    async def get(self, tenant: str, name: str) -> Webhook | None:
        raw = await self.redis.hget(_hooks_key(tenant), name)  # type: ignore[misc]
        return Webhook.model_validate_json(raw) if raw else None

    async def for_tenant(self, tenant: str) -> list[Webhook]:
        raw = await self.redis.hgetall(_hooks_key(tenant))  # type: ignore[misc]
        return sorted((Webhook.model_validate_json(v) for v in raw.values()),
                      key=lambda h: h.name)

    async def delete(self, tenant: str, name: str) -> bool:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hdel(_hooks_key(tenant), name)
            pipe.delete(_log_key(tenant, name))
            removed, _ = await pipe.execute()
        return bool(removed)

    async def record(self, tenant: str, name: str, attempt: Attempt) -> None:
        key = _log_key(tenant, name)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.lpush(key, attempt.model_dump_json())
            pipe.ltrim(key, 0, LOG_KEEP - 1)
            await pipe.execute()

    async def attempts(self, tenant: str, name: str, limit: int) -> list[Attempt]:
        raw = await self.redis.lrange(_log_key(tenant, name), 0, limit - 1)  # type: ignore[misc]
        return [Attempt.model_validate_json(r) for r in raw]

    async def schedule(self, job: bytes, due: float) -> None:
        await self.redis.zadd(self.schedule_key, {job: due})

    async def take_due(self, limit: int = 200) -> tuple[list[bytes], str]:
        """Due jobs, leased; and the lease (pass it to `done` once they are re-published)."""
        now = time.time()
        lease = str(int(now + LEASE_SECONDS))  # an integer: ZSCORE gives back the same text
        jobs = await self._take(keys=[self.schedule_key], args=[now, lease, limit])
        return list(jobs), lease

    async def done(self, jobs: list[bytes], lease: str) -> None:
        """Drop re-published jobs, unless one was rescheduled meanwhile (a new score)."""
        if jobs:
            await self._done(keys=[self.schedule_key], args=[lease, *jobs])

    async def delivered(self, webhook_id: str) -> bool:
        return bool(await self.redis.exists(f"webhookdone:{webhook_id}"))

    async def mark_delivered(self, webhook_id: str) -> None:
        await self.redis.set(f"webhookdone:{webhook_id}", 1, ex=DELIVERED_SECONDS)


def attempts_json(attempts: list[Attempt]) -> list[dict]:
    return [json.loads(a.model_dump_json()) for a in attempts]

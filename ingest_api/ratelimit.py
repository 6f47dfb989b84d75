"""Token buckets in Redis (atomic, shared by every API process): one per API key for requests,
one per client (keyed IP hash) for wrong API keys."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from redis.asyncio import Redis

from config.errors import RateLimited

# KEYS[1] bucket; ARGV: capacity, refill per second, cost (tokens taken, 1 unless a batch).
# Redis TIME is the one clock all API processes agree on.
_BUCKET = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3] or '1')
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + (now - ts) * rate)
local allowed = 0
local wait = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  wait = (cost - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 1)
return {allowed, tostring(wait)}
"""
MAX_BLOCKED = 10_000  # clients remembered as blocked per process; beyond it the oldest go


class RateLimiter:
    def __init__(self, redis: Redis, per_minute: int, burst: int,
                 prefix: str = "ratelimit") -> None:
        self.rate = per_minute / 60.0
        self.capacity = max(burst, 1)
        self.prefix = prefix
        self._script = redis.register_script(_BUCKET)

    async def check(self, key_id: str, cost: int = 1) -> None:
        """Take `cost` tokens (a batch takes one per file), or raise RateLimited."""
        if self.rate <= 0 or cost <= 0:
            return
        allowed, wait = await self._script(keys=[f"{self.prefix}:{key_id}"],
                                           args=[self.capacity, self.rate, cost])
        if not int(allowed):
            retry = max(1, math.ceil(float(wait)))
            raise RateLimited(f"rate limit exceeded; retry in {retry} s", retry_after=retry)


class FailedAuthLimiter:
    """Wrong API keys per client: a small burst, then 429 until the bucket refills.

    Only failures touch Redis, so a right key costs nothing here. A client over its limit is
    remembered by this process until its Retry-After: its next attempt gets 429 even with a
    right key, so guessing at full speed never learns which guess was right.
    """

    def __init__(self, redis: Redis, per_minute: int, burst: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._bucket = RateLimiter(redis, per_minute, burst, prefix="authfail")
        self._clock = clock
        self._blocked: dict[str, float] = {}  # client id -> monotonic deadline

    def check(self, client: str) -> None:
        """Raise RateLimited if this client is still blocked for its wrong keys."""
        until = self._blocked.get(client)
        if until is None:
            return
        left = until - self._clock()
        if left <= 0:
            del self._blocked[client]
            return
        retry = max(1, math.ceil(left))
        raise RateLimited(f"too many invalid API keys; retry in {retry} s", retry_after=retry)

    async def failed(self, client: str) -> None:
        """Count one wrong key; raise RateLimited once the client is over its limit."""
        try:
            await self._bucket.check(client)
        except RateLimited as exc:
            retry = exc.retry_after or 1
            if len(self._blocked) >= MAX_BLOCKED:
                self._blocked.pop(next(iter(self._blocked)))
            self._blocked[client] = self._clock() + retry
            raise RateLimited(f"too many invalid API keys; retry in {retry:.0f} s",
                              retry_after=retry) from None

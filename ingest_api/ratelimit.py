"""A token bucket per API key in Redis: atomic, and shared by every API process.

A process takes up to a tenth of a second's refill from the bucket at once and spends it
locally, so a busy key costs one Redis round trip per lease rather than per request. The
shared bucket is never overdrawn; what a process took but did not spend within the tenth of a
second is lost, which makes a busy key's limit a little stricter, never looser. At the default
(100 a minute) a lease is one token: every request asks Redis.
"""

from __future__ import annotations

import math
import time

from redis.asyncio import Redis

from config.errors import RateLimited

# KEYS[1] bucket; ARGV: capacity, refill per second, tokens wanted. Returns {granted, wait}:
# granted is 0 when not even one token is left. Redis TIME is the clock all processes share.
_BUCKET = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + (now - ts) * rate)
local granted = 0
local wait = 0
if tokens >= 1 then
  granted = math.min(want, math.floor(tokens))
  tokens = tokens - granted
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 1)
return {granted, tostring(wait)}
"""


LEASE_SECONDS = 0.1


class RateLimiter:
    def __init__(self, redis: Redis, per_minute: int, burst: int) -> None:
        self.rate = per_minute / 60.0
        self.capacity = max(burst, 1)
        self.lease = max(1, min(self.capacity, int(self.rate * LEASE_SECONDS)))
        self._held: dict[str, tuple[int, float]] = {}  # key id -> (tokens, spend before)
        self._script = redis.register_script(_BUCKET)

    async def check(self, key_id: str) -> None:
        if self.rate <= 0:
            return
        now = time.monotonic()
        held, until = self._held.get(key_id, (0, 0.0))
        if held and now < until:
            self._held[key_id] = (held - 1, until)
            return
        granted, wait = await self._script(keys=[f"ratelimit:{key_id}"],
                                           args=[self.capacity, self.rate, self.lease])
        if not int(granted):
            retry = max(1, math.ceil(float(wait)))
            raise RateLimited(f"rate limit exceeded; retry in {retry} s", retry_after=retry)
        self._held[key_id] = (int(granted) - 1, now + LEASE_SECONDS)

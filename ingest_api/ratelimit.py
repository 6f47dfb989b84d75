"""A token bucket per API key in Redis: atomic, and shared by every API process."""

from __future__ import annotations

import math

from redis.asyncio import Redis

from config.errors import RateLimited

# KEYS[1] bucket; ARGV: capacity, refill per second. Redis TIME is the one clock all
# API processes agree on.
_BUCKET = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + (now - ts) * rate)
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 1)
return {allowed, tostring(wait)}
"""


class RateLimiter:
    def __init__(self, redis: Redis, per_minute: int, burst: int) -> None:
        self.rate = per_minute / 60.0
        self.capacity = max(burst, 1)
        self._script = redis.register_script(_BUCKET)

    async def check(self, key_id: str) -> None:
        if self.rate <= 0:
            return
        allowed, wait = await self._script(keys=[f"ratelimit:{key_id}"],
                                           args=[self.capacity, self.rate])
        if not int(allowed):
            retry = max(1, math.ceil(float(wait)))
            raise RateLimited(f"rate limit exceeded; retry in {retry} s", retry_after=retry)

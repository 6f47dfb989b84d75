"""The Redis result store: one record per document, and its status-change events.

A record is a hash `{status, tenant, json}`. Writes go through one Lua script so that a
final record (completed, failed, cancelled) is never overwritten by a late or repeated
stage: redelivered messages after a crash become harmless no-ops.
"""

from __future__ import annotations

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from stores.reviews import ReviewStore, concerns_review
from topics.models import Result, Status

FINAL = ",".join(s.value for s in Status if s.final)

# KEYS[1] record; ARGV: status, tenant, json, ttl, force(0/1), channel
_WRITE = """
local current = redis.call('HGET', KEYS[1], 'status')
if current and ARGV[5] == '0' then
  for s in string.gmatch('FINAL_STATES', '[^,]+') do
    if s == current then return 0 end
  end
end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'tenant', ARGV[2], 'json', ARGV[3])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
redis.call('PUBLISH', ARGV[6], ARGV[3])
return 1
""".replace("FINAL_STATES", FINAL)


def record_key(doc_id: str) -> str:
    return f"doc:{doc_id}"


def events_channel(doc_id: str) -> str:
    return f"events:{doc_id}"


class ResultStore:
    def __init__(self, redis: Redis, ttl: int) -> None:
        self.redis = redis
        self.ttl = ttl
        self._write = redis.register_script(_WRITE)
        self.reviews = ReviewStore(redis, ttl)  # the review queue is kept where results are written

    async def write(self, result: Result, *, force: bool = False) -> bool:
        """Store `result` unless the record is already final (or `force`); True if written."""
        payload = result.model_dump_json(by_alias=True)
        written = await self._write(
            keys=[record_key(result.id)],
            args=[result.status.value, result.tenant, payload, self.ttl, int(force),
                  events_channel(result.id)],
        )
        if written and concerns_review(result):
            await self.reviews.track(result)
        return bool(written)

    def stage(self, pipe: Pipeline, result: Result) -> None:
        """Queue a forced `write` on a MULTI `pipe`, to share its round trip with other commands.

        Plain commands, not the script: redis-py checks a pipeline's scripts with an extra
        round trip on every execute.
        """
        key, payload = record_key(result.id), result.model_dump_json(by_alias=True)
        pipe.hset(key, mapping={"status": result.status.value, "tenant": result.tenant,
                                "json": payload})
        pipe.expire(key, self.ttl)
        pipe.publish(events_channel(result.id), payload)

    async def get(self, doc_id: str) -> Result | None:
        raw = await self.redis.hget(record_key(doc_id), "json")
        return Result.model_validate_json(raw) if raw else None

    async def delete(self, doc_id: str) -> None:
        await self.redis.delete(record_key(doc_id))

    async def advance(self, template: Result, status: Status) -> Result | None:
        """Move a live document to `status`; None if it is final (cancelled or done).

        One guarded write, no read: until a document is final its record holds only what the
        stage's `template` (built from the message) holds, so nothing is lost by rewriting it.
        """
        updated = template.model_copy(update={"status": status})
        return updated if await self.write(updated) else None

"""The Redis result store: one record per document, and its status-change events.

A record is a hash `{status, tenant, json}`. Writes go through one Lua script so that a
final record (completed, failed, cancelled) is never overwritten by a late or repeated
stage: redelivered messages after a crash become harmless no-ops.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from redis.asyncio import Redis

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


def _dedup_key(fingerprint: str) -> str:
    return f"dedup:{fingerprint}"


class RedisResultStore:
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

    async def open(self, record: Result, fingerprint: str) -> Result | None:
        """Store a new document's first record; a live earlier duplicate's record, if any.

        One round trip: the duplicate lookup rides with the (forced) write. Plain commands,
        not the script: redis-py checks a pipeline's scripts with an extra round trip.
        """
        key, payload = record_key(record.id), record.model_dump_json(by_alias=True)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.get(_dedup_key(fingerprint))
            pipe.hset(key, mapping={"status": record.status.value, "tenant": record.tenant,
                                    "json": payload})
            pipe.expire(key, self.ttl)
            pipe.publish(events_channel(record.id), payload)
            earlier = (await pipe.execute())[0]
        if not earlier:
            return None
        previous = await self.get(earlier.decode())
        if previous is None or previous.status in (Status.failed, Status.cancelled):
            return None
        return previous

    async def remember(self, fingerprint: str, doc_id: str) -> None:
        """Later uploads with this fingerprint (within the TTL) return `doc_id`."""
        await self.redis.set(_dedup_key(fingerprint), doc_id, ex=self.ttl)

    async def changes(self, doc_id: str, keepalive: float) -> AsyncIterator[Result | None]:
        """The record as it changes: the current one first, then each write; None on a quiet
        `keepalive` interval. Ends after a final status."""
        pubsub = self.redis.pubsub()
        await pubsub.subscribe(events_channel(doc_id))
        try:
            current = await self.get(doc_id)
            yield current
            while current is not None and not current.status.final:
                message = await pubsub.get_message(ignore_subscribe_messages=True,
                                                   timeout=keepalive)
                if message is None:
                    current = await self.get(doc_id) or current  # a missed publish's safety net
                    yield None
                    continue
                current = Result.model_validate_json(message["data"])
                yield current
        finally:
            await pubsub.aclose()

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

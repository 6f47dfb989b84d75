"""Batches: the documents of one multi-file upload, their progress, and completion exactly once.

A batch's members are added before each document is published (so a document that completes at
once is already known as a member), then the batch is sealed with its entries. Completion is
one Lua script run after every member's final result and once at sealing: whichever run sees
every member final first, and wins the SET NX, fires `batch.completed`; no other run does.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, Protocol

from redis.asyncio import Redis

from stores.results import record_key
from topics.models import Status

FINAL = {s.value for s in Status if s.final}

# KEYS: batch hash, members, finals, fired; ARGV: ttl, newly final ids...
# Returns 1 to the one caller that completes the batch.
_FINAL = """
for i = 2, #ARGV do
  if redis.call('SISMEMBER', KEYS[2], ARGV[i]) == 1 then
    redis.call('SADD', KEYS[3], ARGV[i])
  end
end
redis.call('EXPIRE', KEYS[3], tonumber(ARGV[1]))
if redis.call('HGET', KEYS[1], 'sealed') ~= '1' then return 0 end
if redis.call('SCARD', KEYS[3]) < redis.call('SCARD', KEYS[2]) then return 0 end
if redis.call('SET', KEYS[4], '1', 'NX', 'EX', tonumber(ARGV[1])) then return 1 end
return 0
"""


def _keys(batch_id: str) -> list[str]:
    base = f"batch:{batch_id}"
    return [base, f"{base}:docs", f"{base}:final", f"{base}:fired"]


def _member_key(doc_id: str) -> str:
    return f"batchof:{doc_id}"


class BatchStore(Protocol):
    async def add(self, batch_id: str, tenant: str, doc_id: str) -> None: ...
    async def seal(self, batch_id: str, entries: list[dict[str, Any]]) -> bool: ...
    async def batches_of(self, doc_id: str) -> list[str]: ...
    async def final(self, batch_id: str, doc_id: str) -> bool: ...
    async def summary(self, batch_id: str) -> dict[str, Any] | None: ...
    async def tenant(self, batch_id: str) -> str | None: ...


class RedisBatchStore:
    def __init__(self, redis: Redis, ttl: int) -> None:
        self.redis = redis
        self.ttl = ttl
        self._final = redis.register_script(_FINAL)

    async def add(self, batch_id: str, tenant: str, doc_id: str) -> None:
        """`doc_id` belongs to the batch; called before the document is published."""
        batch, members, _, _ = _keys(batch_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hsetnx(batch, "tenant", tenant)
            pipe.sadd(members, doc_id)
            pipe.sadd(_member_key(doc_id), batch_id)  # a duplicate upload joins a second batch
            for key in (batch, members, _member_key(doc_id)):
                pipe.expire(key, self.ttl)
            await pipe.execute()

    async def seal(self, batch_id: str, entries: list[dict[str, Any]]) -> bool:
        """Store the entries, count members already final; True if that completes the batch."""
        batch, members, _, _ = _keys(batch_id)
        ids = [e["id"] for e in entries if "id" in e]
        statuses = await self._statuses(ids)
        done = [i for i, s in zip(ids, statuses, strict=True) if s in FINAL]
        await self.redis.hset(batch, mapping={"entries": json.dumps(entries), "sealed": "1"})  # type: ignore[misc]
        await self.redis.expire(batch, self.ttl)
        return bool(await self._final(keys=_keys(batch_id), args=[self.ttl, *done]))

    async def batches_of(self, doc_id: str) -> list[str]:
        raw = await self.redis.smembers(_member_key(doc_id))  # type: ignore[misc]
        return sorted(r.decode() if isinstance(r, bytes) else r for r in raw)

    async def final(self, batch_id: str, doc_id: str) -> bool:
        """`doc_id` reached a final state; True for the one call that completes the batch."""
        return bool(await self._final(keys=_keys(batch_id), args=[self.ttl, doc_id]))

    async def tenant(self, batch_id: str) -> str | None:
        raw = await self.redis.hget(_keys(batch_id)[0], "tenant")  # type: ignore[misc]
        return raw.decode() if isinstance(raw, bytes) else raw

    async def summary(self, batch_id: str) -> dict[str, Any] | None:
        """`{"id", "total", "counts", "documents"}` with each document's current status."""
        raw = await self.redis.hmget(_keys(batch_id)[0], ["entries", "tenant"])  # type: ignore[misc]
        if not raw[0]:
            return None
        entries: list[dict[str, Any]] = json.loads(raw[0])
        ids = [e["id"] for e in entries if "id" in e]
        current = dict(zip(ids, await self._statuses(ids), strict=True))
        documents = [{**e, "status": current[e["id"]] or "expired"} if "id" in e else e
                     for e in entries]
        counts = Counter(status or "expired" for status in current.values())
        tenant = raw[1].decode() if isinstance(raw[1], bytes) else (raw[1] or "")
        return {"id": batch_id, "tenant": tenant, "total": len(set(ids)),
                "counts": dict(counts), "documents": documents}

    async def _statuses(self, ids: list[str]) -> list[str | None]:
        if not ids:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for doc_id in ids:
                pipe.hget(record_key(doc_id), "status")
            raw = await pipe.execute()
        return [r.decode() if isinstance(r, bytes) else r for r in raw]

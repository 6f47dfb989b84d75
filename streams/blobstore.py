"""Claim-check blob store: document bytes and page images live here, messages carry keys.

The interface is three calls so an S3-compatible store can replace Redis later. Every key of a
document is listed in an index set, so erasing a document needs no keyspace scan.
"""

from __future__ import annotations

from typing import Protocol

from redis.asyncio import Redis


def source_key(doc_id: str) -> str:
    return f"blob:{doc_id}:source"


def pages_key(doc_id: str) -> str:
    return f"blob:{doc_id}:pages"


def image_key(doc_id: str, page: int) -> str:
    return f"blob:{doc_id}:page:{page}"


class BlobStore(Protocol):
    async def put(self, doc_id: str, key: str, data: bytes, ttl: int) -> None: ...
    async def get(self, key: str) -> bytes | None: ...
    async def delete_document(self, doc_id: str) -> int: ...


class RedisBlobStore:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis  # must be created with decode_responses=False

    async def put(self, doc_id: str, key: str, data: bytes, ttl: int) -> None:
        index = f"blobs:{doc_id}"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(key, data, ex=ttl)
            pipe.sadd(index, key)
            pipe.expire(index, ttl)
            await pipe.execute()

    async def get(self, key: str) -> bytes | None:
        data = await self.redis.get(key)
        return data.encode() if isinstance(data, str) else data

    async def delete_document(self, doc_id: str) -> int:
        index = f"blobs:{doc_id}"
        keys = await self.redis.smembers(index)
        return int(await self.redis.delete(index, *keys))

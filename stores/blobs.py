"""Claim-check blob store: document bytes and page images live here, messages carry keys.

The interface (`BlobStore`) is four calls so an S3-compatible store can replace Redis later;
`stage` lets the upload share one Redis round trip with its status record, and is the one
place that would change. Every key of a document is listed in an index set, so erasing a
document needs no keyspace scan.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline


def source_key(doc_id: str) -> str:
    return f"blob:{doc_id}:source"


def pages_key(doc_id: str) -> str:
    return f"blob:{doc_id}:pages"


def image_key(doc_id: str, page: int) -> str:
    return f"blob:{doc_id}:page:{page}"


class BlobStore(Protocol):
    async def put(self, doc_id: str, blobs: Mapping[str, bytes], ttl: int) -> None: ...
    async def get(self, key: str) -> bytes | None: ...
    async def get_many(self, keys: list[str]) -> list[bytes | None]: ...
    async def delete_document(self, doc_id: str) -> int: ...


class RedisBlobStore:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis  # must be created with decode_responses=False

    async def put(self, doc_id: str, blobs: Mapping[str, bytes], ttl: int) -> None:
        """Blobs (key -> bytes) of one document, in one round trip."""
        async with self.redis.pipeline(transaction=True) as pipe:
            for key, data in blobs.items():
                self.stage(pipe, doc_id, key, data, ttl)
            await pipe.execute()

    @staticmethod
    def stage(pipe: Pipeline, doc_id: str, key: str, data: bytes, ttl: int) -> None:
        """Queue `put` on `pipe`, to share its round trip with other commands (Redis only)."""
        index = f"blobs:{doc_id}"
        pipe.set(key, data, ex=ttl)
        pipe.sadd(index, key)
        pipe.expire(index, ttl)

    async def get(self, key: str) -> bytes | None:
        data = await self.redis.get(key)
        return data.encode() if isinstance(data, str) else data

    async def get_many(self, keys: list[str]) -> list[bytes | None]:
        """Each key's bytes (None where missing or expired), in one round trip."""
        found = await self.redis.mget(keys) if keys else []
        return [data.encode() if isinstance(data, str) else data for data in found]

    async def delete_document(self, doc_id: str) -> int:
        index = f"blobs:{doc_id}"
        keys = await self.redis.smembers(index)
        return int(await self.redis.delete(index, *keys))

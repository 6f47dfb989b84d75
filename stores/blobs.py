"""Claim-check blob store: document bytes and page images live here, messages carry keys.

`stores.protocols.BlobStore` is the interface, four calls an S3-compatible store can offer
too. Every key of a document is listed in an index set, so erasing a document needs no
keyspace scan.
"""

from __future__ import annotations

from collections.abc import Mapping

from redis.asyncio import Redis


def source_key(doc_id: str) -> str:
    return f"blob:{doc_id}:source"


def pages_key(doc_id: str) -> str:
    return f"blob:{doc_id}:pages"


def image_key(doc_id: str, page: int) -> str:
    return f"blob:{doc_id}:page:{page}"


class RedisBlobStore:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis  # must be created with decode_responses=False

    async def put(self, doc_id: str, blobs: Mapping[str, bytes], ttl: int) -> None:
        """Blobs (key -> bytes) of one document, in one round trip."""
        if not blobs:
            return
        index = f"blobs:{doc_id}"
        async with self.redis.pipeline(transaction=True) as pipe:
            for key, data in blobs.items():
                pipe.set(key, data, ex=ttl)
            pipe.sadd(index, *blobs)
            pipe.expire(index, ttl)
            await pipe.execute()

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

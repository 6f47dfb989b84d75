"""What the API and the worker share: the blob, result and schema stores, and the metrics.

Each store is a typed protocol (`stores.protocols`) with one Redis implementation; the API's
`Edge` and the worker's `StageContext` are handed them, and build none themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from config.redis_pool import connect
from config.settings import Settings
from stores.batches import BatchStore, RedisBatchStore
from stores.blobs import RedisBlobStore
from stores.protocols import BlobStore, ResultStore, SchemaStore
from stores.results import RedisResultStore
from stores.schemas import RedisSchemaStore
from stores.webhooks import RedisWebhookStore, WebhookStore


@dataclass(frozen=True)
class Stores:
    redis: Redis  # also serves rate limits and readiness
    blobs: BlobStore
    results: ResultStore
    schemas: SchemaStore
    webhooks: WebhookStore
    batches: BatchStore

    async def aclose(self) -> None:
        await self.redis.aclose()


def open_stores(settings: Settings, **redis_options: Any) -> Stores:
    """The one place the stores are constructed, for the API and the worker alike."""
    redis = connect(settings, decode_responses=False, **redis_options)
    return Stores(redis=redis, blobs=RedisBlobStore(redis),
                  results=RedisResultStore(redis, settings.result_ttl_seconds),
                  schemas=RedisSchemaStore(redis),
                  webhooks=RedisWebhookStore(redis, settings.topic_prefix),
                  batches=RedisBatchStore(redis, settings.result_ttl_seconds))

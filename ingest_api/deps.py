"""`Annotated` dependency aliases: routes read like their signatures."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from redis.asyncio import Redis

from config.errors import NotFound
from config.settings import Settings
from ingest_api.auth import KeyRing
from ingest_api.publisher import Publisher
from streams.blobstore import RedisBlobStore
from streams.metrics import Metrics
from streams.resultstore import ResultStore
from streams.schema_registry import SchemaRegistry
from topics.models import Result


def _state(name: str):
    # async on purpose: FastAPI runs a plain `def` dependency in the thread pool, a thread
    # hop per dependency per request (profiled: most of the upload route's CPU).
    async def get(request: Request):
        return getattr(request.app.state, name)

    return Depends(get)


async def get_tenant(request: Request) -> str:
    state = request.app.state
    key = request.headers.get("x-api-key")
    tenant = state.keyring.tenant_for(key)
    await state.limiter.check(KeyRing.key_id(key))
    request.state.tenant = tenant
    return tenant


SettingsDep = Annotated[Settings, _state("settings")]
RedisDep = Annotated[Redis, _state("redis")]
ProducerDep = Annotated[Publisher, _state("publisher")]
MetricsDep = Annotated[Metrics, _state("metrics")]
ResultsDep = Annotated[ResultStore, _state("results")]
BlobsDep = Annotated[RedisBlobStore, _state("blobs")]
SchemasDep = Annotated[SchemaRegistry, _state("schemas")]
TenantDep = Annotated[str, Depends(get_tenant)]


async def owned_document(doc_id: str, tenant: TenantDep, results: ResultsDep) -> Result:
    """The tenant's document, or 404: another tenant's document does not exist for you."""
    result = await results.get(doc_id)
    if result is None or result.tenant != tenant:
        raise NotFound(f"document {doc_id!r} not found")
    return result


DocumentDep = Annotated[Result, Depends(owned_document)]

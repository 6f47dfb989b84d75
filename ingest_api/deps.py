"""What routes depend on: the `Edge` (every client, made once per app) and the caller's tenant.

Two dependencies rather than one per client: FastAPI resolves each dependency on every
request, and on the upload path each one is work the route pays for.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from redis.asyncio import Redis

from config.errors import NotFound, Unauthorized
from config.settings import Settings
from ingest_api.auth import KeyRing
from ingest_api.publisher import Publisher
from ingest_api.ratelimit import FailedAuthLimiter, RateLimiter
from stores.batches import BatchStore
from stores.metrics import Metrics
from stores.protocols import BlobStore, ResultStore, SchemaStore
from stores.webhooks import WebhookStore
from topics.models import Result


@dataclass(frozen=True)
class Edge:
    """The API's clients and settings, built in the app's lifespan."""

    settings: Settings
    metrics: Metrics
    redis: Redis
    keyring: KeyRing
    limiter: RateLimiter
    results: ResultStore
    blobs: BlobStore
    schemas: SchemaStore
    publisher: Publisher
    auth_failures: FailedAuthLimiter
    webhooks: WebhookStore
    batches: BatchStore


# async on purpose: FastAPI runs a plain `def` dependency in the thread pool.
async def get_edge(request: Request) -> Edge:
    return request.app.state.edge


EdgeDep = Annotated[Edge, Depends(get_edge)]


@dataclass(frozen=True)
class Caller:
    """An authenticated caller whose rate-limit verdict is still on its way from Redis."""

    tenant: str
    admitted: asyncio.Future[None]  # raises RateLimited when the caller is over its limit


async def get_caller(request: Request, edge: EdgeDep) -> Caller:
    key = request.headers.get("x-api-key")
    client = request.state.client_id  # keyed IP hash, set by EdgeMiddleware
    edge.auth_failures.check(client)  # over its wrong-key limit: 429 whatever key it sends now
    try:
        tenant = edge.keyring.tenant_for(key)
    except Unauthorized:
        if key:  # only wrong keys count: a missing one teaches a guesser nothing
            await edge.auth_failures.failed(client)
        raise
    request.state.tenant = tenant
    admitted = asyncio.ensure_future(edge.limiter.check(KeyRing.key_id(key)))
    await asyncio.sleep(0)  # let the check send its command now, not at the route's first wait
    return Caller(tenant, admitted)


async def get_tenant(caller: Annotated[Caller, Depends(get_caller)]) -> str:
    await caller.admitted
    return caller.tenant


# The upload awaits `admitted` itself, after reading its body: the round trip overlaps the read.
CallerDep = Annotated[Caller, Depends(get_caller)]
TenantDep = Annotated[str, Depends(get_tenant)]


async def owned_document(doc_id: str, tenant: TenantDep, edge: EdgeDep) -> Result:
    """The tenant's document, or 404: another tenant's document does not exist for you."""
    result = await edge.results.get(doc_id)
    if result is None or result.tenant != tenant:
        raise NotFound(f"document {doc_id!r} not found")
    return result


DocumentDep = Annotated[Result, Depends(owned_document)]

"""Webhook endpoints of the caller's tenant (Standard Webhooks signatures)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from ingest_api import webhooks
from ingest_api.deps import EdgeDep, TenantDep
from ingest_api.openapi import ERRORS

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
Name = Annotated[str, Path(pattern=webhooks.NAME_PATTERN, description="1-64 chars")]


@router.put("/{name}", responses=ERRORS(401, 422, 429, 503))
async def put_webhook(name: Name, body: webhooks.WebhookRequest, tenant: TenantDep,
                      edge: EdgeDep) -> dict[str, Any]:
    """Create or replace an endpoint; the answer shows its secret, and nothing else ever will."""
    return await webhooks.register(edge, tenant, name, body)


@router.get("", responses=ERRORS(401, 429, 503))
async def list_webhooks(tenant: TenantDep, edge: EdgeDep) -> dict[str, Any]:
    """The tenant's endpoints, without their secrets."""
    return await webhooks.listing(edge, tenant)


@router.delete("/{name}", responses=ERRORS(401, 404, 429, 503))
async def delete_webhook(name: Name, tenant: TenantDep, edge: EdgeDep) -> dict[str, Any]:
    """Stop delivering to this endpoint (jobs in flight for it are dropped)."""
    return await webhooks.remove(edge, tenant, name)


@router.get("/{name}/deliveries", responses=ERRORS(401, 404, 429, 503))
async def webhook_deliveries(name: Name, tenant: TenantDep, edge: EdgeDep,
                             limit: int = Query(50, ge=1, le=webhooks.MAX_LOG)) -> dict[str, Any]:
    """The last attempts, newest first: status code or error and duration; never bodies."""
    return await webhooks.deliveries(edge, tenant, name, limit)

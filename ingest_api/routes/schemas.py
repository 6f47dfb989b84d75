"""List the built-in and tenant schemas; define a tenant's own."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from config.schemas import SchemaDef
from ingest_api.deps import EdgeDep, TenantDep
from ingest_api.openapi import ERRORS

router = APIRouter(prefix="/v1/schemas", tags=["schemas"])


@router.get("", responses=ERRORS(401, 429, 503))
async def list_schemas(tenant: TenantDep, edge: EdgeDep, response: Response) -> dict[str, Any]:
    """Every schema this tenant can use."""
    response.headers["Cache-Control"] = f"private, max-age={edge.settings.schema_cache_seconds}"
    return {"schemas": [s.model_dump() for s in await edge.schemas.list(tenant)]}


@router.put("/{name}", responses=ERRORS(401, 422, 429, 503),
            openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/SchemaDef"}}}}})
async def put_schema(name: str, request: Request, tenant: TenantDep, edge: EdgeDep) -> SchemaDef:
    """Create or replace one of this tenant's schemas: typed fields with descriptions."""
    schema = await edge.schemas.put(tenant, name, await request.body())
    edge.metrics.schemas.set(await edge.schemas.count())
    return schema

"""List the built-in and tenant schemas; define a tenant's own."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response

from config.errors import InvalidSchema
from config.schemas import NAME_RE, SchemaDef
from ingest_api.deps import EdgeDep, TenantDep
from ingest_api.openapi import ERRORS, SCHEMA_BODY
from stores.schemas import MAX_SCHEMA_BYTES

router = APIRouter(prefix="/v1/schemas", tags=["schemas"])
SchemaName = Annotated[str, Path(pattern=NAME_RE.pattern, description="snake_case, 1-48 chars")]


@router.get("", responses=ERRORS(401, 429, 503))
async def list_schemas(tenant: TenantDep, edge: EdgeDep, response: Response) -> dict[str, Any]:
    """Every schema this tenant can use."""
    response.headers["Cache-Control"] = f"private, max-age={edge.settings.schema_cache_seconds}"
    return {"schemas": [s.model_dump() for s in await edge.schemas.list(tenant)]}


@router.put("/{name}", responses=ERRORS(401, 408, 422, 429, 503), openapi_extra=SCHEMA_BODY)
async def put_schema(name: SchemaName, request: Request, tenant: TenantDep,
                     edge: EdgeDep) -> SchemaDef:
    """Create or replace one of this tenant's schemas: typed fields with descriptions."""
    schema = await edge.schemas.put(tenant, name, await read_small_body(request, MAX_SCHEMA_BYTES))
    edge.metrics.schemas.set(await edge.schemas.count())
    return schema


async def read_small_body(request: Request, limit: int) -> bytes:
    """The body, refused as soon as it passes `limit` (declared or streamed), never buffered."""
    too_large = InvalidSchema(f"schema is larger than {limit} bytes")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    parts: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        parts.append(chunk)
    return b"".join(parts)

"""Extraction schemas by tenant: the built-ins plus each tenant's own, kept in Redis."""

from __future__ import annotations

import json

from pydantic import ValidationError
from redis.asyncio import Redis

from config.errors import InvalidSchema, UnknownSchema
from config.schemas import BUILTIN, PSEUDO, RESERVED, SchemaDef

MAX_SCHEMA_BYTES = 32 * 1024
MAX_SCHEMAS_PER_TENANT = 100


def _key(tenant: str) -> str:
    return f"schemas:{tenant}"


class RedisSchemaStore:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def get(self, tenant: str, name: str) -> SchemaDef:
        if name in BUILTIN or name in PSEUDO:
            return BUILTIN.get(name) or PSEUDO[name]
        raw = await self.redis.hget(_key(tenant), name)
        if raw is None:
            raise UnknownSchema(f"schema {name!r} is neither built in nor defined by this tenant")
        return SchemaDef.model_validate_json(raw)

    async def list(self, tenant: str) -> list[SchemaDef]:
        own = await self.redis.hgetall(_key(tenant))
        custom = [SchemaDef.model_validate_json(v) for _, v in sorted(own.items())]
        return [*BUILTIN.values(), *PSEUDO.values(), *custom]

    async def put(self, tenant: str, name: str, body: bytes) -> SchemaDef:
        if len(body) > MAX_SCHEMA_BYTES:
            raise InvalidSchema(f"schema is larger than {MAX_SCHEMA_BYTES} bytes")
        if name in BUILTIN or name in RESERVED:
            raise InvalidSchema(f"{name!r} is a built-in schema and cannot be replaced")
        try:
            obj = json.loads(body)
            if not isinstance(obj, dict):
                raise InvalidSchema("a schema is a JSON object with 'fields'")
            schema = SchemaDef.model_validate({**obj, "name": obj.get("name", name)})
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(map(str, first["loc"]))
            raise InvalidSchema(f"{where}: {first['msg']}") from None
        except ValueError as exc:
            raise InvalidSchema(f"not JSON: {exc}") from None
        except RecursionError:  # json and pydantic recurse per level: a deep body is hostile
            raise InvalidSchema("schema is nested too deeply") from None
        if schema.name != name:
            raise InvalidSchema("the schema's 'name' must match the URL")
        count = await self.redis.hlen(_key(tenant))
        if count >= MAX_SCHEMAS_PER_TENANT and not await self.redis.hexists(_key(tenant), name):
            raise InvalidSchema(f"a tenant may define at most {MAX_SCHEMAS_PER_TENANT} schemas")
        await self.redis.hset(_key(tenant), name, schema.model_dump_json())
        return schema

    async def count(self) -> int:
        """All schemas known: built-ins plus every tenant's own (for `schemas_known`)."""
        total = len(BUILTIN)
        async for key in self.redis.scan_iter(match="schemas:*", count=500):
            total += await self.redis.hlen(key)
        return total

"""The webhook service: register, list, delete endpoints and read their delivery logs."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from config.errors import InvalidRequest, NotFound
from ingest_api.deps import Edge
from stores.netguard import resolve_safe
from stores.webhooks import SECRET_PREFIX, Webhook, attempts_json, new_secret
from topics.webhooks import Event

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
MAX_WEBHOOKS = 20  # per tenant
MAX_LOG = 100


class WebhookRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: HttpUrl = Field(description="http(s) endpoint; must resolve to public addresses")
    events: list[Event] = Field(min_length=1, max_length=len(Event))
    secret: str | None = Field(default=None, max_length=200,
                               description="whsec_ + base64 of 24-64 bytes; generated if absent")


def check_secret(secret: str) -> str:
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if not secret.startswith(SECRET_PREFIX) or not 24 <= len(key) <= 64:
        raise InvalidRequest("secret must be 'whsec_' + base64 of 24 to 64 random bytes")
    return secret


async def register(edge: Edge, tenant: str, name: str, body: WebhookRequest) -> dict[str, Any]:
    """Create or replace; the answer is the only place the secret is ever shown."""
    url = str(body.url)
    await resolve_safe(url, allow_private=edge.settings.webhook_allow_private)
    existing = await edge.webhooks.for_tenant(tenant)
    if name not in {h.name for h in existing} and len(existing) >= MAX_WEBHOOKS:
        raise InvalidRequest(f"a tenant has at most {MAX_WEBHOOKS} webhooks")
    secret = check_secret(body.secret) if body.secret else new_secret()
    hook = Webhook(name=name, url=url, events=list(dict.fromkeys(body.events)), secret=secret)
    await edge.webhooks.put(tenant, hook)
    return {"name": hook.name, "url": hook.url, "events": hook.events, "secret": hook.secret}


async def listing(edge: Edge, tenant: str) -> dict[str, Any]:
    return {"webhooks": [h.public() for h in await edge.webhooks.for_tenant(tenant)]}


async def remove(edge: Edge, tenant: str, name: str) -> dict[str, Any]:
    if not await edge.webhooks.delete(tenant, name):
        raise NotFound(f"webhook {name!r} not found")
    return {"name": name, "deleted": True}


async def deliveries(edge: Edge, tenant: str, name: str, limit: int) -> dict[str, Any]:
    """The last attempts, newest first: time, event, webhook-id, status or error, duration."""
    if await edge.webhooks.get(tenant, name) is None:
        raise NotFound(f"webhook {name!r} not found")
    attempts = await edge.webhooks.attempts(tenant, name, min(limit, MAX_LOG))
    return {"name": name, "deliveries": attempts_json(attempts)}

"""An app under test in this event loop: its lifespan run, clients with chosen addresses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[FastAPI]:
    async with app.router.lifespan_context(app):
        yield app


def client_from(app: FastAPI, ip: str = "203.0.113.7", **kw) -> httpx.AsyncClient:
    """A client whose requests reach `app` from `ip`; app exceptions are raised, not hidden."""
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://api", timeout=30, **kw)

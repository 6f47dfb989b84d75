"""`create_app(settings)`: the FastAPI edge. Clients are made in the lifespan, not at import."""

from __future__ import annotations

import gc
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

from config.settings import Settings
from ingest_api import errors
from ingest_api.auth import ClientHasher, KeyRing
from ingest_api.deps import Edge
from ingest_api.middleware import EdgeMiddleware
from ingest_api.publisher import Publisher
from ingest_api.ratelimit import FailedAuthLimiter, RateLimiter
from ingest_api.routes import batches, documents, health, pages, reviews, schemas, webhooks
from stores import open_stores
from stores.metrics import Metrics

log = structlog.get_logger()


def create_app(settings: Settings, *, metrics: Metrics | None = None) -> FastAPI:
    if settings.environment == "production" and not settings.tenant_keys:
        raise RuntimeError("API_KEYS must be set when ENVIRONMENT=production")
    metrics = metrics or Metrics()
    anonymous = not settings.tenant_keys and settings.environment == "development"

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        stores = open_stores(settings, socket_timeout=5, socket_connect_timeout=3,
                             health_check_interval=30)
        redis = stores.redis
        edge = Edge(
            settings=settings, metrics=metrics, redis=redis,
            keyring=KeyRing(settings.key_hashes, allow_anonymous=anonymous),
            limiter=RateLimiter(redis, settings.rate_limit_per_minute, settings.rate_limit_burst),
            results=stores.results, blobs=stores.blobs, schemas=stores.schemas,
            publisher=Publisher(settings.kafka_bootstrap_servers),
            auth_failures=FailedAuthLimiter(redis, settings.auth_fail_per_minute,
                                            settings.auth_fail_burst),
            webhooks=stores.webhooks, batches=stores.batches,
        )
        app.state.edge = edge
        if anonymous:
            log.warning("auth.disabled", reason="API_KEYS is empty in development",
                        tenant="dev")
        try:
            metrics.schemas.set(await edge.schemas.count())
        except Exception:
            log.warning("startup.redis_unreachable")  # /ready says so; we recover on our own
        # What startup built (modules, app, clients) lives as long as the process; frozen, the
        # collector stops re-scanning it, so full collections stay short under load.
        gc.freeze()
        yield
        await edge.publisher.close()
        await stores.aclose()

    app = FastAPI(
        title="ai-doc-extractor",
        version="1",
        description="Upload invoices, receipts and forms; get structured JSON back. "
        "Every error is `{error: {code, message, request_id}}`.",
        lifespan=lifespan,
        docs_url=None,  # routes/pages.py serves /docs from packaged assets, not a CDN
        redoc_url=None,  # ReDoc would load from a CDN, which the CSP (and offline) forbids
    )
    errors.install(app)
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.add_middleware(EdgeMiddleware, metrics=metrics, hsts=settings.trusted_proxy_tls,
                       hasher=ClientHasher.from_settings(settings),
                       body_timeout=settings.body_read_timeout_seconds)
    for module in (health, documents, schemas, reviews, pages, webhooks, batches):
        app.include_router(module.router)
    return app

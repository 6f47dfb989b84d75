"""Liveness, readiness and metrics (the studio page is in routes/pages.py)."""

from __future__ import annotations

import asyncio
import ipaddress

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from config.errors import NotFound
from ingest_api.deps import EdgeDep

router = APIRouter(tags=["operations"])


@router.get("/health")
async def health() -> dict[str, str]:
    """The process is up (no dependency checks)."""
    return {"status": "ok"}


@router.get("/ready")
async def ready(edge: EdgeDep) -> JSONResponse:
    """Kafka and Redis both answer: 200, else 503 naming what is down."""

    async def redis_ok() -> bool:
        try:
            return bool(await asyncio.wait_for(edge.redis.ping(), 2))
        except Exception:
            return False

    checks = dict(zip(("kafka", "redis"), await asyncio.gather(edge.publisher.ready(), redis_ok()),
                      strict=True))
    status = 200 if all(checks.values()) else 503
    return JSONResponse({"status": "ready" if status == 200 else "unavailable",
                         "checks": checks}, status_code=status)


@router.get("/metrics", include_in_schema=False)
async def metrics_endpoint(request: Request, edge: EdgeDep) -> Response:
    """Prometheus metrics, for the networks in METRICS_ALLOW only."""
    host = request.client.host if request.client else ""
    try:
        addr = ipaddress.ip_address(host)
        allowed = any(addr in ipaddress.ip_network(n.strip(), strict=False)
                      for n in edge.settings.metrics_allow.split(",") if n.strip())
    except ValueError:
        allowed = False
    if not allowed:
        raise NotFound("not found")
    return Response(generate_latest(edge.metrics.registry), media_type=CONTENT_TYPE_LATEST)


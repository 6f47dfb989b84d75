"""Request ids, security headers, access logs without personal data, latency metrics."""

from __future__ import annotations

import hashlib
import re
import time
import uuid

import structlog
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import Response

log = structlog.get_logger()
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'")


def hash_ip(ip: str | None) -> str:
    return hashlib.sha256((ip or "").encode()).hexdigest()[:12]


class EdgeMiddleware(BaseHTTPMiddleware):
    """One pass around every request: the id, the headers, the log line and the metric."""

    def __init__(self, app, *, metrics, hsts: bool) -> None:
        super().__init__(app)
        self.metrics = metrics
        self.hsts = hsts

    async def dispatch(self, request: Request, call_next) -> Response:
        incoming = request.headers.get("x-request-id", "")
        request_id = incoming if REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        request.state.request_id = request_id
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        try:
            response = await call_next(request)
        finally:
            structlog.contextvars.unbind_contextvars("request_id")
        elapsed = time.perf_counter() - started
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        self.metrics.http_duration.labels(request.method, path, response.status_code).observe(
            elapsed)
        headers = response.headers
        headers["X-Request-ID"] = request_id
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "no-referrer"
        headers["Content-Security-Policy"] = CSP
        if self.hsts or request.url.scheme == "https":
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        client = hash_ip(request.client.host if request.client else None)
        log.info("http.access", method=request.method, route=path, status=response.status_code,
                 ms=round(elapsed * 1000, 1), client=client, request_id=request_id,
                 tenant=getattr(request.state, "tenant", None))
        return response

"""Request ids, security headers, access logs without personal data, latency metrics."""

from __future__ import annotations

import hashlib
import re
import time
import uuid

import structlog
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger()
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# No inline code or styles anywhere (the studio and /docs load files only); blob: images are
# page previews fetched with the API key, which an <img src> cannot send.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")


def hash_ip(ip: str | None) -> str:
    return hashlib.sha256((ip or "").encode()).hexdigest()[:12]


class EdgeMiddleware:
    """One pass around every request: the id, the headers, the log line and the metric.

    Plain ASGI on purpose: Starlette's BaseHTTPMiddleware runs each request through an extra
    task and memory streams, work an upload does not need.
    """

    def __init__(self, app: ASGIApp, *, metrics, hsts: bool) -> None:
        self.app = app
        self.metrics = metrics
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get("x-request-id", "")
        request_id = incoming if REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        # Routes may bind more (the upload binds its document); the access line carries it all.
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._headers(message, request_id, scope)
                self._record(scope, message["status"], time.perf_counter() - started)
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            structlog.contextvars.clear_contextvars()

    def _headers(self, message: Message, request_id: str, scope: Scope) -> None:
        headers = MutableHeaders(scope=message)
        headers["X-Request-ID"] = request_id
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "no-referrer"
        headers["Content-Security-Policy"] = CSP
        if self.hsts or scope.get("scheme") == "https":
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"

    def _record(self, scope: Scope, status: int, elapsed: float) -> None:
        """Metric and access log when the response starts (time to first byte, as before)."""
        path = getattr(scope.get("route"), "path", "unmatched")
        method = scope["method"]
        self.metrics.http_duration.labels(method, path, status).observe(elapsed)
        client = scope.get("client")
        log.info("http.access", method=method, route=path, status=status,
                 ms=round(elapsed * 1000, 1), client=hash_ip(client[0] if client else None),
                 tenant=scope.get("state", {}).get("tenant"))

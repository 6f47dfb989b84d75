"""Request ids, security headers, access logs without personal data, latency metrics, body-read
timeouts, and one JSON answer and one log line for whatever a route did not handle."""

from __future__ import annotations

import asyncio
import re
import time
import uuid

import structlog
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from config.errors import RequestTimeout
from ingest_api.auth import ClientHasher
from ingest_api.errors import internal_error

log = structlog.get_logger()
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# No inline code or styles anywhere (the studio and /docs load files only); blob: images are
# page previews fetched with the API key, which an <img src> cannot send.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")


class EdgeMiddleware:
    """One pass around every request: the id, the headers, the log line and the metric.

    Plain ASGI on purpose: Starlette's BaseHTTPMiddleware runs each request through an extra
    task and memory streams, work an upload does not need.
    """

    def __init__(self, app: ASGIApp, *, metrics, hsts: bool, hasher: ClientHasher,
                 body_timeout: float) -> None:
        self.app = app
        self.metrics = metrics
        self.hsts = hsts
        self.hasher = hasher
        self.body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get("x-request-id", "")
        request_id = incoming if REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        client = scope.get("client")
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["client_id"] = self.hasher.client_id(client[0] if client else None)
        # Routes may bind more (the upload binds its document); the access line carries it all.
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()

        started_response = False

        async def send_wrapper(message: Message) -> None:
            nonlocal started_response
            if message["type"] == "http.response.start":
                started_response = True
                self._headers(message, request_id, scope)
                self._record(scope, message["status"], time.perf_counter() - started)
            await send(message)

        try:
            await self.app(scope, _timed(receive, self.body_timeout), send_wrapper)
        except ClientDisconnect:  # the client left mid-request: nobody to answer, nothing broke
            if not started_response:
                self._record(scope, 499, time.perf_counter() - started, "client_disconnected")
        except Exception:
            log.exception("http.unhandled")
            if not started_response:  # else the server closes the connection mid-response
                await internal_error(request_id)(scope, receive, send_wrapper)
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

    def _record(self, scope: Scope, status: int, elapsed: float, error: str | None = None) -> None:
        """Metric and access log when the response starts (time to first byte, as before)."""
        path = getattr(scope.get("route"), "path", "unmatched")
        method = scope["method"]
        self.metrics.http_duration.labels(method, path, status).observe(elapsed)
        state = scope.get("state", {})
        extra = {"error": error} if error else {}
        log.info("http.access", method=method, route=path, status=status,
                 ms=round(elapsed * 1000, 1), client=state.get("client_id"),
                 tenant=state.get("tenant"), **extra)


def _timed(receive: Receive, timeout: float) -> Receive:
    """`receive` that gives up with RequestTimeout when the body pauses longer than `timeout`.

    Only while the body is incomplete: afterwards `receive` waits for a disconnect (server-sent
    events) as long as it likes.
    """
    body_done = False

    async def timed() -> Message:
        nonlocal body_done
        if body_done:
            return await receive()
        try:
            async with asyncio.timeout(timeout):
                message = await receive()
        except TimeoutError:
            raise RequestTimeout(f"no request body data for {timeout:g} s") from None
        if message["type"] != "http.request" or not message.get("more_body", False):
            body_done = True
        return message

    return timed

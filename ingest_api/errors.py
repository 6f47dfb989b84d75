"""Every error leaves as `{"error": {"code", "message", "request_id"}}`."""

from __future__ import annotations

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from redis.exceptions import RedisError
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import Match

from config.errors import ExtractorError, StoreUnavailable

log = structlog.get_logger()
HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized",
              413: "file_too_large", 415: "unsupported_media_type"}
METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


class ErrorDetail(BaseModel):
    code: str
    message: str
    request_id: str


class ErrorBody(BaseModel):
    error: ErrorDetail


def error_body(request_id: str, status: int, code: str, message: str,
               headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "request_id": request_id}}
    return JSONResponse(body, status_code=status, headers=headers)


def error_response(request: Request, status: int, code: str, message: str,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return error_body(getattr(request.state, "request_id", ""), status, code, message, headers)


def internal_error(request_id: str) -> JSONResponse:
    """The answer to a bug: no detail, only the id that finds its log line."""
    return error_body(request_id, 500, "internal_error", "unexpected error")


def _ours(request: Request, exc: ExtractorError) -> JSONResponse:
    headers = {"Retry-After": str(int(exc.retry_after))} if exc.retry_after else None
    return error_response(request, exc.status, exc.code, exc.message, headers)


def allowed_methods(request: Request) -> str:
    """Every method some route fully serves at this path (Starlette names only the first)."""
    allowed = []
    for method in METHODS:
        probe = {**request.scope, "method": method}
        if any(route.matches(probe)[0] is Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return ", ".join(allowed)


def install(app: FastAPI) -> None:
    app.add_exception_handler(ExtractorError, _ours)  # type: ignore[arg-type]

    @app.exception_handler(RedisError)
    async def _redis(request: Request, exc: RedisError) -> JSONResponse:
        log.warning("redis.unavailable", error=repr(exc))
        err = StoreUnavailable("the result store is unreachable; retry shortly")
        return error_response(request, err.status, err.code, err.message, {"Retry-After": "5"})

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return error_response(request, 422, "invalid_request", f"{where}: {first.get('msg', '')}")

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        cause = exc.__cause__  # FastAPI turns any failure while reading a body into a 400
        if isinstance(cause, ExtractorError):
            return _ours(request, cause)
        if isinstance(cause, ClientDisconnect):
            raise cause
        if exc.status_code == 400 and cause is not None:  # e.g. a JSON body that is not UTF-8
            return error_response(request, 422, "invalid_request", f"body: {exc.detail}")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed_methods(request)
        code = HTTP_CODES.get(exc.status_code, "http_error")
        return error_response(request, exc.status_code, code, str(exc.detail), headers or None)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        # Reached only from a middleware outside EdgeMiddleware, which answers everything else.
        log.exception("http.unhandled")
        return internal_error(getattr(request.state, "request_id", ""))

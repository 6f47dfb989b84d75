"""Issue 19: bugs answer JSON with one access line; bodies are bounded in size and in time;
clients that leave are one quiet line; 405 says what is allowed."""

from __future__ import annotations

import asyncio
import time

import pytest
import structlog
from structlog.testing import capture_logs

from ingest_api.app import create_app
from tests.ingest_api.asgi import client_from, running
from tests.ingest_api.conftest import ACME
from tests.ingest_api.hostile_requests import long_name_upload, nested_schema

pytestmark = pytest.mark.integration
LOGS = {"processors": [structlog.contextvars.merge_contextvars]}


def _lines(logs: list[dict], request_id: str) -> list[str]:
    return [e["event"] for e in logs if e.get("request_id") == request_id]


async def test_a_bug_is_a_json_500_with_its_request_id_and_one_access_line(api_settings):
    app = create_app(api_settings)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    async with running(app), client_from(app) as http:
        with capture_logs(**LOGS) as logs:
            response = await http.get("/boom", headers={"X-Request-ID": "req-boom"})
    assert response.status_code == 500
    assert response.json() == {"error": {"code": "internal_error", "message": "unexpected error",
                                         "request_id": "req-boom"}}
    assert response.headers["X-Request-ID"] == "req-boom"
    assert sorted(_lines(logs, "req-boom")) == ["http.access", "http.unhandled"]


async def test_deeply_nested_schema_is_422_not_500(api_settings):
    app = create_app(api_settings)
    async with running(app), client_from(app) as http:
        response = await http.put("/v1/schemas/deep", content=nested_schema(), headers=ACME)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_schema"


async def test_schema_body_is_refused_once_it_passes_32_kib_not_after_reading_it(api_settings):
    app = create_app(api_settings)
    sent = 0

    async def endless():
        nonlocal sent
        for _ in range(2_000):  # 2 MB if read to the end
            sent += 1
            yield b" " * 1024

    async with running(app), client_from(app) as http:
        streamed = await http.put("/v1/schemas/big", content=endless(), headers=ACME)
        declared = await http.put("/v1/schemas/big", content=b"{}",
                                  headers={**ACME, "Content-Length": str(100 * 2**20)})
    assert streamed.status_code == 422 and streamed.json()["error"]["code"] == "invalid_schema"
    assert sent <= 40, f"read {sent} KiB of a body refused at 32 KiB"
    assert declared.status_code == 422 and "larger than" in declared.json()["error"]["message"]


@pytest.mark.parametrize("path", ["/v1/documents", "/v1/schemas/slow"])
async def test_a_stalled_body_is_408_after_the_body_timeout(api_settings, path):
    app = create_app(api_settings.model_copy(update={"body_read_timeout_seconds": 0.5}))
    body, content_type = long_name_upload(10)

    async def stalls():
        yield body[:100]
        await asyncio.sleep(30)
        yield body[100:]

    async with running(app), client_from(app) as http:
        started = time.monotonic()
        response = await http.request("PUT" if "schemas" in path else "POST", path,
                                      content=stalls(),
                                      headers={**ACME, "Content-Type": content_type})
    assert response.status_code == 408, response.text
    assert response.json()["error"]["code"] == "request_timeout"
    assert time.monotonic() - started < 5


async def test_a_client_that_leaves_mid_upload_is_one_quiet_log_line(api_settings):
    app = create_app(api_settings)
    body, content_type = long_name_upload(10)
    messages = [{"type": "http.request", "body": body[:200], "more_body": True},
                {"type": "http.disconnect"}]

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/v1/documents", "raw_path": b"",
             "query_string": b"", "root_path": "", "client": ("203.0.113.9", 1),
             "server": ("api", 80),
             "headers": [(b"x-api-key", ACME["X-API-Key"].encode()),
                         (b"content-type", content_type.encode()),
                         (b"x-request-id", b"req-gone")]}
    async with running(app):
        with capture_logs(**LOGS) as logs:
            await app(scope, receive, send)
    lines = [e for e in logs if e.get("request_id") == "req-gone"]
    assert [e["event"] for e in lines] == ["http.access"], lines
    assert lines[0]["status"] == 499 and lines[0]["error"] == "client_disconnected"
    assert "exc_info" not in lines[0]


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("TRACE", "/v1/schemas", "GET"),
    ("DELETE", "/v1/schemas/mine", "PUT"),
    ("PATCH", "/v1/documents/abc", "DELETE, GET"),
    ("PUT", "/health", "GET"),
])
async def test_405_says_which_methods_are_allowed(api_settings, method, path, allowed):
    app = create_app(api_settings)
    async with running(app), client_from(app) as http:
        response = await http.request(method, path, headers=ACME)
    assert response.status_code == 405
    assert response.headers["Allow"] == allowed
    assert response.json()["error"]["code"] == "method_not_allowed"


async def test_a_json_body_that_does_not_decode_is_422_invalid_request(api_settings):
    app = create_app(api_settings)

    @app.post("/echo")
    async def echo(body: dict) -> dict:
        return body

    async with running(app), client_from(app) as http:
        response = await http.post("/echo", content=b'{"data": "\xff\xfe"}',
                                   headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_request"


def test_openapi_is_as_strict_as_the_code(api_settings):
    """What schemathesis's positive/negative checks (ST202/ST201) compare against."""
    doc = create_app(api_settings).openapi()
    put = doc["paths"]["/v1/schemas/{name}"]["put"]
    name = next(p for p in put["parameters"] if p["name"] == "name")
    assert name["schema"]["pattern"] == "^[a-z][a-z0-9_]{0,47}$"
    body = put["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["name"]["pattern"] == name["schema"]["pattern"]
    assert body["properties"]["fields"]["propertyNames"]["pattern"] == name["schema"]["pattern"]
    assert body["properties"]["fields"]["minProperties"] == 1
    upload = doc["paths"]["/v1/documents"]["post"]["requestBody"]["content"]
    form = upload["multipart/form-data"]["schema"]
    assert form["maxProperties"] == 5 and "pattern" in form["properties"]["schema"]
    assert "408" in put["responses"]

"""The hostile requests of the corpus (issue 19) over HTTP: each gets its answer, none a 5xx;
and against a real uvicorn process, stalled and vanishing clients."""

from __future__ import annotations

import socket
import time

import pytest

from tests.conftest import free_port, wait_http_ready
from tests.ingest_api.conftest import ACME
from tests.ingest_api.hostile_requests import HOSTILE_REQUESTS, long_name_upload

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("probe", HOSTILE_REQUESTS, ids=[p.label for p in HOSTILE_REQUESTS])
def test_hostile_request_gets_its_answer(client, probe):
    body = probe.body() if callable(probe.body) else probe.body
    response = client.request(probe.method, probe.path, content=body,
                              headers={**ACME, **probe.headers})
    assert response.status_code < 500, response.text
    assert response.status_code == probe.expected_status, response.text
    if probe.expected_code:
        error = response.json()["error"]
        assert error["code"] == probe.expected_code
        assert error["request_id"] == response.headers["X-Request-ID"]


def _raw_upload(port: int, body: bytes, content_type: str, length: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    head = (f"POST /v1/documents HTTP/1.1\r\nHost: api\r\nX-API-Key: {ACME['X-API-Key']}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {length}\r\n\r\n").encode()
    sock.sendall(head + body)
    return sock


def test_stalled_and_vanishing_uploads_on_a_real_server(api_settings, spawn):
    port = free_port()
    api = spawn(api_settings.model_copy(update={"body_read_timeout_seconds": 1.0}),
                "api", "--port", str(port))
    wait_http_ready(f"http://127.0.0.1:{port}/ready")
    body, content_type = long_name_upload(10)
    # Stalled: a tenth of the body, then nothing.
    stalled = _raw_upload(port, body[:100], content_type, len(body))
    started = time.monotonic()
    answer = ""
    while '"request_timeout"' not in answer and (chunk := stalled.recv(4096)):
        answer += chunk.decode(errors="replace")
    stalled.close()
    assert answer.startswith("HTTP/1.1 408"), answer
    assert '"request_timeout"' in answer and time.monotonic() - started < 5
    # Vanishing: part of the body, then the connection closes.
    for _ in range(3):
        _raw_upload(port, body[:100], content_type, len(body)).close()
    time.sleep(1.0)
    log = api.log.read_text()
    assert "Traceback" not in log and "http.unhandled" not in log, log[-3000:]
    assert log.count("status=499") == 3 or log.count('"status": 499') == 3, log[-3000:]

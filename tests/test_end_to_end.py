"""One document through the real broker and Redis: upload -> preprocess -> extract -> store."""

from __future__ import annotations

import time

import httpx
import pytest
import redis

from tests.conftest import free_port, wait_http_ready
from tests.helpers import invoice_pdf, make_topics, wait_final

pytestmark = pytest.mark.integration
KEY = "e2e-key-0123456789abcdef"


def test_upload_to_completed_result(settings, spawn):
    settings = settings.model_copy(update={"api_keys": f"e2e:{KEY}"})
    make_topics(settings)
    port = free_port()
    worker = spawn(settings, "worker")
    spawn(settings, "api", "--port", str(port))
    base = f"http://127.0.0.1:{port}"
    wait_http_ready(f"{base}/ready")
    with httpx.Client(base_url=base, timeout=30, headers={"X-API-Key": KEY}) as client:
        response = client.post("/v1/documents", data={"schema": "invoice"},
                               files={"file": ("invoice.pdf", invoice_pdf(), "application/pdf")},
                               headers={"X-Request-ID": "e2e-request-1"})
        assert response.status_code == 202, response.text
        accepted = response.json()
        assert accepted["status"] == "queued"
        result = wait_final(client, accepted["id"])
        metrics = client.get("/metrics").text
    assert result["status"] == "completed", result
    assert result["data"]["total"] == "1234.50"
    assert result["data"]["invoice_number"] == "INV-1001"
    assert result["provider"] == "local"
    assert result["citations"]["total"][0]["page"] == 1
    assert result["pages"] == 1
    assert 'uploads_total{outcome="accepted"} 1.0' in metrics
    # The upload's request id is in the log lines of every stage.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        done = [line for line in worker.log.read_text().splitlines()
                if "stage.done" in line and "request_id=e2e-request-1" in line]
        if len(done) == 3:
            break
        time.sleep(0.2)
    assert sorted(line.split("stage=")[1].split()[0] for line in done) == [
        "extract", "preprocess", "store"]
    # Completed documents keep no bytes.
    assert redis.Redis.from_url(settings.redis_url).keys(f"blob:{accepted['id']}:*") == []

"""The upload service's failure path: a refused upload answers at once and leaves nothing."""

from __future__ import annotations

import json
import time
import uuid

import pytest
import redis
from fastapi.testclient import TestClient

from ingest_api.app import create_app
from tests.helpers import invoice_pdf

pytestmark = pytest.mark.integration


def test_broker_down_is_503_with_retry_after_and_keeps_no_bytes(api_settings):
    tenant, key = f"t{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    down = api_settings.model_copy(update={"kafka_bootstrap_servers": "127.0.0.1:1",
                                           "api_keys": f"{tenant}:{key}"})
    files = {"file": ("invoice.pdf", invoice_pdf(), "application/pdf")}
    with TestClient(create_app(down)) as client:
        first = client.post("/v1/documents", files=files, headers={"X-API-Key": key})
        started = time.monotonic()
        second = client.post("/v1/documents", files=files, headers={"X-API-Key": key})
        second_s = time.monotonic() - started
    for response in (first, second):
        assert response.status_code == 503, response.text
        assert response.json()["error"]["code"] == "unavailable"
        assert int(response.headers["Retry-After"]) >= 1
    assert second_s < 2  # inside the cool-off: no second connection timeout
    store = redis.Redis.from_url(api_settings.redis_url)
    mine = [k for k in store.scan_iter("doc:*", count=1000)
            if json.loads(store.hget(k, "json") or b"{}").get("tenant") == tenant]
    assert len(mine) == 2  # each refused upload has a final `failed` record ...
    for record_key in mine:
        doc_id = record_key.decode().split(":", 1)[1]
        assert json.loads(store.hget(record_key, "json"))["status"] == "failed"
        assert not store.exists(f"blobs:{doc_id}", f"blob:{doc_id}:source")  # ... and no bytes

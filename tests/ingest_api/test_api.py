"""The HTTP edge against the real Kafka and Redis: codes, tenants, headers, schemas, delete."""

from __future__ import annotations

import asyncio

import pytest
import structlog
from aiokafka import AIOKafkaConsumer
from structlog.testing import capture_logs

from tests.helpers import invoice_pdf
from tests.ingest_api.conftest import ACME, GLOBEX
from tests.ingest_api.hostile import HOSTILE_CASES
from topics import catalogue

pytestmark = pytest.mark.integration


def upload(client, headers=ACME, data=None, name="invoice.pdf", ctype="application/pdf",
           schema="invoice", extra_headers=None):
    return client.post("/v1/documents", data={"schema": schema},
                       files={"file": (name, invoice_pdf() if data is None else data, ctype)},
                       headers={**headers, **(extra_headers or {})})


def consume_one(settings, doc_id: str) -> tuple:
    async def run():
        consumer = AIOKafkaConsumer(
            catalogue.name(catalogue.SUBMITTED, settings.topic_prefix),
            bootstrap_servers=settings.kafka_bootstrap_servers, auto_offset_reset="earliest",
            group_id=f"{settings.worker_group}-check")
        await consumer.start()
        try:
            async with asyncio.timeout(20):
                async for record in consumer:
                    if record.key == doc_id.encode():
                        return record
        finally:
            await consumer.stop()

    return asyncio.run(run())


def test_upload_is_published_with_request_id(client, api_settings):
    response = upload(client, extra_headers={"X-Request-ID": "req-123"})
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "queued" and body["links"]["self"].endswith(body["id"])
    assert response.headers["X-Request-ID"] == "req-123"
    record = consume_one(api_settings, body["id"])
    assert dict(record.headers)["request_id"] == b"req-123"
    assert b'"schema_version":1' in record.value


@pytest.mark.parametrize("case", HOSTILE_CASES, ids=[c.label for c in HOSTILE_CASES])
def test_hostile_file_gets_its_code(client, case):
    if case.label == "drive_letter":
        pytest.skip("the multipart parser reduces 'C:\\...' to its basename before we see it")
    response = upload(client, data=case.bytes_factory(), name=case.filename,
                      ctype=case.content_type or "application/octet-stream")
    assert response.status_code == case.expected_status, response.text
    error = response.json()["error"]
    assert error["code"] == case.expected_code
    assert error["request_id"] == response.headers["X-Request-ID"]


def test_missing_and_wrong_keys_are_401(client):
    assert upload(client, headers={}).json()["error"]["code"] == "unauthorized"
    response = client.get("/v1/schemas", headers={"X-API-Key": "nope"})
    assert response.status_code == 401


def test_unknown_schema_is_422(client):
    response = upload(client, schema="no_such_schema")
    assert response.status_code == 422 and response.json()["error"]["code"] == "unknown_schema"


def test_other_tenant_sees_404(client):
    doc_id = upload(client).json()["id"]
    assert client.get(f"/v1/documents/{doc_id}", headers=ACME).status_code == 200
    for method, path in (("GET", ""), ("DELETE", ""), ("GET", "/events")):
        response = client.request(method, f"/v1/documents/{doc_id}{path}", headers=GLOBEX)
        assert response.status_code == 404, (method, path)
        assert response.json()["error"]["code"] == "not_found"
    assert client.get("/v1/documents/nope", headers=ACME).status_code == 404


def test_one_access_line_per_upload_names_request_and_document(client):
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        doc_id = upload(client, extra_headers={"X-Request-ID": "req-log-1"}).json()["id"]
        client.get("/v1/schemas", headers=ACME)
    lines = [e for e in logs if e.get("request_id") == "req-log-1"]
    assert [e["event"] for e in lines] == ["http.access"]
    assert lines[0]["document_id"] == doc_id and lines[0]["status"] == 202
    assert lines[0]["pages"] == 1 and lines[0]["content_type"] == "application/pdf"
    schemas_line = [e for e in logs if e.get("route") == "/v1/schemas"][0]
    assert "document_id" not in schemas_line  # nothing leaks into the next request's line


def test_same_file_is_deduplicated_per_tenant(client):
    data = invoice_pdf(["Invoice Number: DUP-1", "Total: 10.00 EUR"])
    redis = client.app.state.edge.redis
    stored = lambda: set(client.portal.call(redis.keys, "doc:*")) | set(  # noqa: E731
        client.portal.call(redis.keys, "blob*"))
    first = upload(client, data=data).json()
    before = stored()
    second = upload(client, data=data).json()
    assert second["id"] == first["id"] and second["deduplicated"] is True
    assert stored() - before == set()  # the duplicate's copy was dropped again
    other = upload(client, headers=GLOBEX, data=data).json()
    assert other["id"] != first["id"]


def test_delete_cancels_and_erases(client):
    doc_id = upload(client).json()["id"]
    assert client.app.state  # lifespan ran
    response = client.delete(f"/v1/documents/{doc_id}", headers=ACME)
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    state = client.get(f"/v1/documents/{doc_id}", headers=ACME).json()
    assert state["status"] == "cancelled" and state["data"] == {}
    redis = client.app.state.edge.redis
    keys = client.portal.call(redis.keys, f"blob:{doc_id}:*")
    assert keys == []


def test_security_headers_and_gzip(client):
    response = client.get("/v1/schemas", headers={**ACME, "Accept-Encoding": "gzip"})
    assert response.status_code == 200
    h = response.headers
    assert h["X-Content-Type-Options"] == "nosniff" and h["X-Frame-Options"] == "DENY"
    assert "default-src" in h["Content-Security-Policy"] and h["Referrer-Policy"]
    assert h["Content-Encoding"] == "gzip"
    assert len(h["X-Request-ID"]) == 32


def test_custom_schema_roundtrip(client):
    schema = {"description": "a purchase order", "fields": {
        "po_number": {"type": "string", "description": "purchase order number"},
        "total": {"type": "amount", "description": "order total"}}}
    response = client.put("/v1/schemas/purchase_order", json=schema, headers=ACME)
    assert response.status_code == 200, response.text
    names = [s["name"] for s in client.get("/v1/schemas", headers=ACME).json()["schemas"]]
    assert {"invoice", "receipt", "purchase_order"} <= set(names)
    other = [s["name"] for s in client.get("/v1/schemas", headers=GLOBEX).json()["schemas"]]
    assert "purchase_order" not in other
    assert upload(client, schema="purchase_order").status_code == 202
    bad = client.put("/v1/schemas/bad", json={"fields": {"Bad Name": {}}}, headers=ACME)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_schema"
    too_many = {"fields": {f"f{i}": {"type": "string"} for i in range(60)}}
    assert client.put("/v1/schemas/big", json=too_many, headers=ACME).status_code == 422


def test_metrics_only_for_allowed_networks(client):
    # TestClient's peer is "testclient", not an address in METRICS_ALLOW.
    assert client.get("/metrics").status_code == 404


def test_health_and_ready(client):
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"kafka": True, "redis": True}

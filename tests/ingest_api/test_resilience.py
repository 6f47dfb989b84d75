"""Limits across processes, and the 503 paths with Kafka or Redis down, then back."""

from __future__ import annotations

import asyncio
import os
import subprocess
import threading
import time
import uuid

import httpx
import pytest
from fastapi.testclient import TestClient

from ingest_api.app import create_app
from stores.protocols import ResultStore
from tests.conftest import ROOT, free_port, wait_http_ready
from tests.helpers import invoice_pdf
from tests.ingest_api.conftest import ACME
from topics.models import Result, Status

pytestmark = pytest.mark.integration


def post(base_or_client, headers=ACME):
    files = {"file": ("invoice.pdf", invoice_pdf(), "application/pdf")}
    if isinstance(base_or_client, str):
        return httpx.post(f"{base_or_client}/v1/documents", files=files, headers=headers,
                          timeout=30)
    return base_or_client.post("/v1/documents", files=files, headers=headers)


def test_rate_limit_holds_across_two_api_processes(api_settings, spawn):
    key = f"initech-{uuid.uuid4().hex}"  # a fresh bucket: buckets outlive a test in Redis
    limited = api_settings.model_copy(update={
        "rate_limit_per_minute": 1, "rate_limit_burst": 4,
        "api_keys": f"{api_settings.api_keys},initech:{key}"})
    ports = [free_port(), free_port()]
    for port in ports:
        spawn(limited, "api", "--port", str(port))
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    for base in bases:
        wait_http_ready(f"{base}/ready")
    headers = {"X-API-Key": key}
    answers = [httpx.get(f"{bases[i % 2]}/v1/schemas", headers=headers).status_code
               for i in range(10)]
    assert answers.count(200) == 4, answers
    assert answers.count(429) == 6
    last = httpx.get(f"{bases[0]}/v1/schemas", headers=headers)
    assert last.json()["error"]["code"] == "rate_limited"
    assert int(last.headers["Retry-After"]) >= 1
    # Another key has its own bucket.
    assert httpx.get(f"{bases[1]}/v1/schemas", headers=ACME).status_code == 200


def test_uploads_over_the_limit_are_429_whatever_their_body(api_settings):
    """The upload checks its limit while reading the body; the verdict still comes first."""
    key = f"hooli-{uuid.uuid4().hex}"
    limited = api_settings.model_copy(update={
        "rate_limit_per_minute": 1, "rate_limit_burst": 2,
        "api_keys": f"{api_settings.api_keys},hooli:{key}"})
    headers = {"X-API-Key": key}
    bad = {"file": ("invoice.pdf", b"MZ not a pdf", "application/pdf")}
    with TestClient(create_app(limited)) as client:
        answers = [post(client, headers).status_code for _ in range(3)]
        over = client.post("/v1/documents", files=bad, headers=headers)
    assert answers == [202, 202, 429]
    assert over.status_code == 429 and over.json()["error"]["code"] == "rate_limited"
    assert int(over.headers["Retry-After"]) >= 1


def test_more_uploads_in_flight_than_redis_connections_wait_for_one(api_settings):
    """A burst beyond REDIS_MAX_CONNECTIONS queues for connections: no 503 from a healthy Redis."""
    app = create_app(api_settings.model_copy(update={"redis_max_connections": 2}))

    async def burst() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
            files = [{"file": ("invoice.pdf", invoice_pdf([f"Invoice Number: BURST-{n}"]),
                               "application/pdf")} for n in range(12)]
            answers = await asyncio.gather(*(http.post("/v1/documents", headers=ACME, files=f)
                                             for f in files))
        return [answer.status_code for answer in answers]

    with TestClient(app) as client:  # runs the lifespan; the burst runs on the app's own loop
        assert client.portal is not None
        assert client.portal.call(burst) == [202] * 12


def test_redis_down_is_503_store_unavailable(api_settings):
    dead = api_settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"})
    with TestClient(create_app(dead)) as client:
        response = client.get("/v1/schemas", headers=ACME)
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "store_unavailable"
        assert client.get("/ready").status_code == 503


@pytest.mark.skipif("KAFKA_BOOTSTRAP_SERVERS" in os.environ,
                    reason="stops and restarts the broker: only for the one the tests started")
def test_kafka_down_is_503_then_recovers(client):
    kafka = ["bash", str(ROOT / "deploy/local/kafka.sh")]
    if subprocess.run([*kafka, "status"], capture_output=True).returncode != 0:
        pytest.skip("the broker on the port was not started by this checkout's scripts")
    assert post(client).status_code == 202
    subprocess.run([*kafka, "stop"], check=True)
    try:
        response = post(client)
        assert response.status_code == 503, response.text
        assert response.json()["error"]["code"] == "unavailable"
        assert client.get("/ready").json()["checks"]["kafka"] is False
    finally:
        subprocess.run([*kafka, "start"], check=True)
    deadline = time.monotonic() + 60
    while (status := post(client).status_code) != 202 and time.monotonic() < deadline:
        time.sleep(1)
    assert status == 202


def test_events_stream_each_status_until_final(client):
    deadline = time.monotonic() + 60  # a broker restarted by the test before may still be waking
    while (response := post(client)).status_code == 503 and time.monotonic() < deadline:
        time.sleep(min(float(response.headers.get("Retry-After", "1")), 5))
    assert response.status_code == 202, response.text
    doc_id = response.json()["id"]
    store: ResultStore = client.app.state.edge.results
    seen: list[str] = []

    def follow():
        with client.stream("GET", f"/v1/documents/{doc_id}/events", headers=ACME) as response:
            for line in response.iter_lines():
                if line.startswith("data: "):
                    seen.append(line.split('"status": "')[1].split('"')[0])

    reader = threading.Thread(target=follow)
    reader.start()
    time.sleep(0.5)
    record = client.portal.call(store.get, doc_id)
    for status in (Status.preprocessing, Status.extracting, Status.completed):
        client.portal.call(store.write, record.model_copy(update={"status": status}))
        time.sleep(0.2)
    reader.join(10)
    assert not reader.is_alive()
    assert seen == ["queued", "preprocessing", "extracting", "completed"]
    assert isinstance(record, Result)

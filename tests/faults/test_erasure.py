"""Cancel and erase reach Kafka: no data follows a DELETE on documents.results."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiokafka import AIOKafkaConsumer
from fastapi.testclient import TestClient

from ingest_api.app import create_app
from tests.helpers import invoice_pdf, make_topics
from topics import catalogue
from topics.catalogue import all_topics

pytestmark = [pytest.mark.integration, pytest.mark.slow]
KEY = {"X-API-Key": "erase-key-0123456789abcdef"}


def topic_messages(settings, spec) -> list[tuple[bytes | None, bytes | None]]:
    """Every (key, value) on a catalogue topic, oldest first per partition."""

    async def run():
        consumer = AIOKafkaConsumer(catalogue.name(spec, settings.topic_prefix),
                                    bootstrap_servers=settings.kafka_bootstrap_servers,
                                    auto_offset_reset="earliest", enable_auto_commit=False)
        await consumer.start()
        try:
            batches = await consumer.getmany(timeout_ms=3000, max_records=100_000)
            return [(m.key, m.value) for part in batches.values() for m in part]
        finally:
            await consumer.stop()

    return asyncio.run(run())


def status(client: TestClient, doc_id: str) -> str:
    return client.get(f"/v1/documents/{doc_id}", headers=KEY).json().get("status", "gone")


def wait_status(client: TestClient, doc_id: str, wanted: set[str], timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while (now := status(client, doc_id)) not in wanted and time.monotonic() < deadline:
        time.sleep(0.1)
    return now


@pytest.fixture
def stack(settings, spawn, fake_server):
    """The API in process; a worker whose provider (the fake Groq) takes 3 s to answer."""
    make_topics(settings)
    fake_server.reset()
    fake_server.config.latency_ms = 3000
    worker = settings.model_copy(update={
        "extraction_providers": "groq", "groq_api_key": "gsk-test-key-0123456789",
        "groq_base_url": fake_server.url, "provider_max_retries": 0})
    spawn(worker, "worker")
    api = settings.model_copy(update={"api_keys": f"erase:{KEY['X-API-Key']}",
                                      "rate_limit_per_minute": 6000, "rate_limit_burst": 1000})
    with TestClient(create_app(api)) as client:
        yield client
    fake_server.config.latency_ms = 0


def upload(client: TestClient, marker: str) -> str:
    pdf = invoice_pdf([f"Invoice Number: {marker}", "Total: 10.00 EUR"])
    files = {"file": (f"{marker}.pdf", pdf, "application/pdf")}
    response = client.post("/v1/documents", files=files, data={"schema": "invoice"}, headers=KEY)
    assert response.status_code == 202, response.text
    return response.json()["id"]


def test_cancel_during_extraction_publishes_no_data_after_it(settings, stack, tally):
    doc_id = upload(stack, "CANCELMID")
    assert wait_status(stack, doc_id, {"extracting"}) == "extracting"
    assert stack.delete(f"/v1/documents/{doc_id}", headers=KEY).json()["status"] == "cancelled"
    time.sleep(6)  # the provider answers meanwhile; the stage must not publish its data
    mine = [value for key, value in topic_messages(settings, catalogue.RESULTS)
            if key == doc_id.encode()]
    tombstone = mine.index(None)
    data_after = [v for v in mine[tombstone:] if v is not None]
    tally(lost=0, duplicated=0, stuck=0, leaked=len(data_after))
    assert data_after == []
    assert status(stack, doc_id) == "cancelled"


def test_delete_leaves_a_tombstone_last_and_the_marker_only_where_retention_bounds_it(
        settings, stack, tally):
    marker = f"MARK{time.time_ns() % 10**9}"
    doc_id = upload(stack, marker)
    assert wait_status(stack, doc_id, {"completed"}) == "completed"
    assert stack.delete(f"/v1/documents/{doc_id}", headers=KEY).status_code == 200
    results = [v for k, v in topic_messages(settings, catalogue.RESULTS) if k == doc_id.encode()]
    assert results[-1] is None  # the latest message per key: compaction keeps only the erasure
    found = {spec.name: sum(marker.encode() in (value or b"")
                            for _, value in topic_messages(settings, spec))
             for spec in all_topics()}
    # The stage topics still hold the filename, for STAGE_RETENTION_HOURS; results until the
    # cleaner compacts it (README: "What is kept"). Nothing else may carry it.
    bounded = {"documents.submitted", "documents.paged", "documents.prepared", "documents.results"}
    tally(lost=0, duplicated=0, stuck=0, leaked=sum(n for t, n in found.items()
                                                  if t not in bounded), where=found)
    assert {t for t, n in found.items() if n} <= bounded

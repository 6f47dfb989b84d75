"""Webhooks end to end: real API and worker, real Kafka and Redis, a receiver on loopback that
checks every signature with the `standardwebhooks` library."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime

import pytest
import redis

from streams.dlq import read_all, replay
from tests.helpers import dead_letters, produce, submitted
from tests.webhooks.conftest import pdfs, register, tenant_of
from tests.webhooks.receiver import verified, wait_for
from topics import catalogue

pytestmark = [pytest.mark.integration, pytest.mark.slow]
DOC_EVENTS = ["document.completed", "document.failed", "document.reviewed"]


def test_every_event_of_a_50_document_batch_arrives_signed_and_equal_to_the_result(stack):
    with stack.client("wh0") as client:
        secret = register(client, "all", f"{stack.receiver.url}/all",
                          [*DOC_EVENTS, "batch.completed"])
        answer = client.post("/v1/batches", data={"schema": "invoice"}, files=pdfs("B50", 50))
        assert answer.status_code == 202, answer.text
        batch = answer.json()
        ids = [d["id"] for d in batch["documents"]]
        assert len(set(ids)) == 50

        def arrived():
            got = stack.receiver.got("/all")
            done = [r for r in got if r.json["type"] == "batch.completed"]
            return got if done and len({r.id for r in got}) >= 51 else None

        got = wait_for(arrived, 180, "50 document events and batch.completed")
        by_type: dict[str, list] = {}
        for received in got:
            payload = verified(secret, received)  # raises unless the signature is valid
            by_type.setdefault(payload["type"], []).append(payload)
        assert sorted(p["data"]["id"] for p in by_type["document.completed"]) == sorted(ids)
        for payload in by_type["document.completed"]:
            assert payload["data"] == client.get(f"/v1/documents/{payload['data']['id']}").json()
            datetime.fromisoformat(payload["timestamp"])
        [completed] = {r.id: r for r in got if r.json["type"] == "batch.completed"}.values()
        summary = client.get(f"/v1/batches/{batch['id']}").json()
        assert completed.json["data"] == summary
        assert summary["total"] == 50 and summary["counts"] == {"completed": 50}
        events = client.get(f"/v1/batches/{batch['id']}/events").text
        assert events.rstrip().splitlines()[-2] == "event: completed"
        log = client.get("/v1/webhooks/all/deliveries", params={"limit": 100}).json()
        assert {d["status_code"] for d in log["deliveries"]} == {200}
        assert all("body" not in d for d in log["deliveries"])
        listed = client.get("/v1/webhooks").json()["webhooks"]
        assert [h["name"] for h in listed] == ["all"] and "secret" not in listed[0]
        reviewed = client.post(f"/v1/documents/{ids[0]}/review", json={"approve": True})
        assert reviewed.status_code == 200 and reviewed.json()["version"] == 2

        def review_event():
            return [r for r in stack.receiver.got("/all") if r.json["type"] == "document.reviewed"]

        [event] = wait_for(review_event, 60, "document.reviewed")
        assert verified(secret, event)["data"] == client.get(f"/v1/documents/{ids[0]}").json()
        assert event.json["data"]["version"] == 2


def test_a_receiver_that_fails_twice_gets_the_event_once_after_dedup(stack):
    stack.receiver.behaviours["/flaky"].statuses = [500, 500]
    with stack.client("wh1") as client:
        secret = register(client, "flaky", f"{stack.receiver.url}/flaky", ["document.completed"])
        doc = client.post("/v1/batches", data={"schema": "invoice"},
                          files=pdfs("FLAKY", 1)).json()["documents"][0]
        got = wait_for(lambda: [r for r in stack.receiver.got("/flaky") if r.answered == 200],
                       60, "a 200 after two 500s")
        attempts = stack.receiver.got("/flaky")
        assert [r.answered for r in attempts] == [500, 500, 200]
        assert len({r.id for r in attempts}) == 1  # the same webhook-id on every retry
        unique = {r.id: verified(secret, r) for r in got}
        assert [p["data"]["id"] for p in unique.values()] == [doc["id"]]
        log = client.get("/v1/webhooks/flaky/deliveries").json()["deliveries"]
        assert [d["status_code"] for d in log] == [200, 500, 500]  # newest first
    endpoint = f'endpoint="{tenant_of("wh1")}/flaky"'
    metrics = stack.worker_metrics()
    assert f"webhook_attempts_total{{{endpoint}}} 3.0" in metrics
    assert f"webhook_successes_total{{{endpoint}}} 1.0" in metrics
    assert f'webhook_failures_total{{{endpoint},reason="http_500"}} 2.0' in metrics
    assert f"webhook_delivery_duration_seconds_count{{{endpoint}}} 3.0" in metrics


def test_an_always_failing_receiver_ends_in_the_dlq_and_replay_delivers(stack):
    stack.receiver.behaviours["/down"].then = 503
    with stack.client("wh2") as client:
        secret = register(client, "down", f"{stack.receiver.url}/down", ["document.completed"])
        doc = client.post("/v1/batches", data={"schema": "invoice"},
                          files=pdfs("DOWN", 1)).json()["documents"][0]
        wait_for(lambda: dead_letters(stack.settings, catalogue.WEBHOOK_JOBS, timeout=1),
                 60, "a dead letter on webhooks.dlq")
        failed = stack.receiver.got("/down")
        assert len(failed) == stack.settings.webhook_max_attempts
        stack.receiver.behaviours["/down"].then = 200
        letters = [d for d in asyncio.run(read_all(stack.settings))
                   if d.meta("stage") == "webhook_delivery"]
        assert len(letters) == 1 and letters[0].reason == "webhook_undeliverable"
        store = redis.Redis.from_url(stack.settings.redis_url)
        assert asyncio.run(_replay(stack.settings, letters)) == 1
        delivered = wait_for(lambda: [r for r in stack.receiver.got("/down") if r.answered == 200],
                             30, "the replayed delivery")
        assert [r.id for r in delivered] == [failed[0].id]
        assert verified(secret, delivered[0])["data"] == client.get(
            f"/v1/documents/{doc['id']}").json()
        assert client.get(f"/v1/documents/{doc['id']}").json()["status"] == "completed"
        store.close()


async def _replay(settings, letters) -> int:
    from redis.asyncio import Redis

    client = Redis.from_url(settings.redis_url)
    try:
        return await replay(settings, letters, client)
    finally:
        await client.aclose()


def test_a_receiver_that_never_answers_does_not_delay_another_endpoint(stack):
    timeout = stack.settings.webhook_timeout_seconds
    stack.receiver.behaviours["/hang"].hang = 30
    with stack.client("wh3") as client:
        register(client, "hang", f"{stack.receiver.url}/hang", ["document.completed"])
        secret = register(client, "fast", f"{stack.receiver.url}/fast", ["document.completed"])
        docs = client.post("/v1/batches", data={"schema": "invoice"},
                           files=pdfs("HANG", 12)).json()["documents"]
        got = wait_for(lambda: (lambda g: g if len(g) >= 12 else None)(
            stack.receiver.got("/fast")), 90, "12 deliveries to the fast endpoint")
        delays = []
        for received in got:
            result = verified(secret, received)["data"]
            delays.append(received.at - datetime.fromisoformat(result["completed_at"]).timestamp())
        assert sorted(r.json["data"]["id"] for r in got) == sorted(d["id"] for d in docs)
        assert max(delays) < timeout, delays
        assert len(stack.receiver.got("/hang")) >= 1
        wait_for(lambda: any(d["error"] == "timeout" for d in client.get(
            "/v1/webhooks/hang/deliveries").json()["deliveries"]), 3 * timeout, "a timeout logged")


def test_a_document_that_fails_sends_document_failed(stack):
    tenant = tenant_of("wh6")
    doc_id = f"broken-{uuid.uuid4().hex[:12]}"
    with stack.client("wh6") as client:
        secret = register(client, "failures", f"{stack.receiver.url}/failed",
                          ["document.failed"])
        # From another producer: bytes that only the preprocess stage finds broken.
        produce(stack.settings, catalogue.SUBMITTED, [(doc_id.encode(), submitted(
            doc_id, b"%PDF-1.7 garbage", tenant=tenant), {"request_id": b"wh-failed"})])
        [event] = wait_for(lambda: stack.receiver.got("/failed"), 60, "document.failed")
        payload = verified(secret, event)
        assert payload["type"] == "document.failed"
        assert payload["data"] == client.get(f"/v1/documents/{doc_id}").json()
        assert payload["data"]["error"]["code"] == "invalid_document"

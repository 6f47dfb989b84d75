"""The webhook and batch routes in process (real Redis and Kafka, no worker): registration and
its refusals, secrets shown once, per-file batch errors and the per-file rate limit."""

from __future__ import annotations

import asyncio
import base64

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from config.settings import Settings
from ingest_api.app import create_app
from stores.batches import RedisBatchStore
from tests.helpers import invoice_pdf, make_topics

pytestmark = pytest.mark.integration
KEY = {"X-API-Key": "hooks-key-0123456789abcdef"}


def api(settings, burst: int):
    tenant = f"hooks-{settings.topic_prefix.strip('.')}"  # Redis outlives a run: a new tenant
    return TestClient(create_app(settings.model_copy(update={
        "api_keys": f"{tenant}:{KEY['X-API-Key']}", "rate_limit_per_minute": 60,
        "rate_limit_burst": burst})))


@pytest.fixture
def client(settings):
    with api(settings, 1000) as c:
        yield c


@pytest.fixture
def limited(settings):
    """A bucket of 6 tokens, refilled at one a second; topics to publish to."""
    make_topics(settings)
    with api(settings, 6) as c:
        yield c


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/hook", "http://localhost/hook", "http://[::1]/", "http://10.1.2.3/",
    "http://192.168.0.10/", "http://169.254.169.254/latest/meta-data", "http://100.64.1.1/",
    "http://0.0.0.0/", "ftp://example.com/", "http://user:pw@93.184.216.34/"])
def test_private_and_malformed_urls_are_refused_outside_development(client, url):
    answer = client.put("/v1/webhooks/h", headers=KEY,
                        json={"url": url, "events": ["document.completed"]})
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "invalid_request"
    assert client.get("/v1/webhooks", headers=KEY).json() == {"webhooks": []}


def test_production_refuses_to_allow_private_targets():
    with pytest.raises(ValidationError, match="WEBHOOK_ALLOW_PRIVATE"):
        Settings(_env_file=None, environment="production", api_keys="a:" + "k" * 20,
                 ip_hash_key="x" * 40, webhook_allow_private=True)


def test_the_secret_is_generated_shown_once_and_can_be_given(client):
    body = {"url": "http://93.184.216.34/hook", "events": ["document.completed", "batch.completed"]}
    made = client.put("/v1/webhooks/orders", headers=KEY, json=body)
    assert made.status_code == 200, made.text
    shown = made.json()
    assert set(shown) == {"name", "url", "events", "secret"}
    assert shown["secret"].startswith("whsec_")
    assert len(base64.b64decode(shown["secret"].removeprefix("whsec_"))) == 32
    listed = client.get("/v1/webhooks", headers=KEY).json()["webhooks"]
    assert [h["name"] for h in listed] == ["orders"] and "secret" not in listed[0]
    assert shown["secret"] not in client.get("/v1/webhooks", headers=KEY).text
    own = "whsec_" + base64.b64encode(b"s" * 32).decode()
    assert client.put("/v1/webhooks/orders", headers=KEY,
                      json=body | {"secret": own}).json()["secret"] == own
    for bad in ("s" * 40, "whsec_" + base64.b64encode(b"short").decode(), "whsec_***"):
        refused = client.put("/v1/webhooks/x", headers=KEY, json=body | {"secret": bad})
        assert refused.status_code == 422, bad
    unknown = client.put("/v1/webhooks/x", headers=KEY, json=body | {"events": ["doc.eaten"]})
    assert unknown.status_code == 422
    assert client.get("/v1/webhooks/orders/deliveries", headers=KEY).json() == {
        "name": "orders", "deliveries": []}
    assert client.delete("/v1/webhooks/orders", headers=KEY).status_code == 200
    assert client.delete("/v1/webhooks/orders", headers=KEY).status_code == 404
    assert client.get("/v1/webhooks/orders/deliveries", headers=KEY).status_code == 404


def parts(*contents: bytes) -> list:
    return [("file", (f"f{i}.pdf", data, "application/pdf")) for i, data in enumerate(contents)]


def test_a_bad_file_does_not_sink_the_batch_and_each_file_costs_a_token(limited):
    client = limited
    good = [invoice_pdf([f"Invoice Number: BATCH-{i}"]) for i in range(4)]
    answer = client.post("/v1/batches", headers=KEY, data={"schema": "invoice"},
                         files=parts(good[0], b"%PDF-1.7\nbroken", good[1]))
    assert answer.status_code == 202, answer.text
    batch = answer.json()
    docs = batch["documents"]
    assert [("id" in d, d["filename"]) for d in docs] == [(True, "f0.pdf"), (False, "f1.pdf"),
                                                          (True, "f2.pdf")]
    assert docs[1]["error"]["code"] == "invalid_document" and docs[0]["status"] == "queued"
    summary = client.get(f"/v1/batches/{batch['id']}", headers=KEY).json()
    assert summary["total"] == 2 and sum(summary["counts"].values()) == 2
    assert summary["documents"][1] == docs[1]
    # The bucket holds 6: that batch took 3, the GET 1; a batch of 3 more is over the limit.
    over = client.post("/v1/batches", headers=KEY, data={"schema": "invoice"},
                       files=parts(*good[2:], good[0]))
    assert over.status_code == 429 and int(over.headers["retry-after"]) >= 1
    too_many = client.post("/v1/batches", headers=KEY, files=parts(*([good[0]] * 7)))
    assert too_many.status_code == 422 and "at most 6 files" in too_many.json()["error"]["message"]
    assert client.get("/v1/batches/nope", headers=KEY).status_code in (404, 429)


def test_batch_completion_fires_exactly_once(settings):
    from redis.asyncio import Redis

    async def run() -> list[bool]:
        redis = Redis.from_url(settings.redis_url)
        store = RedisBatchStore(redis, 60)
        batch = f"{settings.topic_prefix}b"
        ids = [f"{batch}-d{i}" for i in range(20)]
        for doc_id in ids:
            await store.add(batch, "t", doc_id)
        early = await asyncio.gather(*(store.final(batch, d) for d in ids[:5]))
        sealed = await store.seal(batch, [{"id": d, "filename": "f", "status": "queued"}
                                          for d in ids])
        rest = await asyncio.gather(*(store.final(batch, d) for d in ids[5:] + ids[:3]))
        await redis.aclose()
        return [*early, sealed, *rest]

    fired = asyncio.run(run())
    assert fired.count(True) == 1 and True not in fired[:6]  # not before every member was final

"""The pipeline on the real broker: poison, crashes, provider outages, scale-out."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid

import pytest
import redis

from streams.dlq import read_all, replay
from tests.conftest import alive, children
from tests.helpers import (
    invoice_pdf,
    make_topics,
    produce,
    submitted,
    wait_records,
)
from tests.streams import docgen
from topics import catalogue

pytestmark = pytest.mark.integration


def ids(n: int, tag: str) -> list[str]:
    return [f"{tag}-{i:04d}-{uuid.uuid4().hex[:6]}" for i in range(n)]


def test_poison_goes_to_dlq_and_valid_documents_complete(settings, spawn):
    make_topics(settings)
    good = ids(6, "good")
    pdf = invoice_pdf()
    tag = uuid.uuid4().hex[:6]
    poison = {  # message key -> (value, the DLQ reason it must get)
        f"notjson-{tag}": (b"\xff\xfe not json", "undecodable_message"),
        f"fields-{tag}": (b'{"schema": "invoice"}', "undecodable_message"),
        f"version-{tag}": (b'{"schema_version": 9}', "unsupported_schema_version"),
        f"corrupt-{tag}": (submitted(f"corrupt-{tag}", b"%PDF-1.7 garbage"), "invalid_document"),
        f"schema-{tag}": (submitted(f"schema-{tag}", pdf, schema="nope"), "unknown_schema"),
        f"blob-{tag}": (json.dumps({"id": f"blob-{tag}", "schema": "invoice",
                                    "content_type": "application/pdf",
                                    "blob": "blob:gone:source"}).encode(), "blob_missing"),
    }
    messages = []
    for doc_id, (key, (value, _)) in zip(good, poison.items(), strict=True):
        messages.append((doc_id.encode(), submitted(doc_id, pdf), {"request_id": b"req-good"}))
        messages.append((key.encode(), value, {"request_id": b"req-poison"}))
    produce(settings, catalogue.SUBMITTED, messages)
    spawn(settings, "worker")
    records = wait_records(settings.redis_url, good)
    assert {r["status"] for r in records.values()} == {"completed"}
    assert {r["data"]["total"] for r in records.values()} == {"1234.50"}
    letters = _wait_letters(settings, len(poison))
    assert {d.key.decode(): d.reason for d in letters} == {k: v[1] for k, v in poison.items()}
    for letter in letters:
        assert letter.meta("original_topic") == catalogue.name(catalogue.SUBMITTED,
                                                               settings.topic_prefix)
        assert letter.meta("stage") == "preprocess" and letter.meta("first_failure_at")
        assert letter.meta("original_offset").isdigit() and letter.meta("attempts") == "1"
        assert letter.headers["request_id"] == b"req-poison"
        assert letter.value == poison[letter.key.decode()][0]  # the original bytes
    failed = wait_records(settings.redis_url, list(poison), 30)
    assert {r["status"] for r in failed.values()} == {"failed"}
    assert {k: r["error"]["code"] for k, r in failed.items()} == {
        k: v[1] for k, v in poison.items()}


def _wait_letters(settings, n: int, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        letters = asyncio.run(read_all(settings))
        if len(letters) >= n:
            return letters
        time.sleep(1)
    raise TimeoutError(f"expected {n} dead letters")


class FinalCounter:
    """Counts final-state events per document from Redis pub/sub (one per real write)."""

    def __init__(self, url: str) -> None:
        self.counts: dict[str, int] = {}
        self.pubsub = redis.Redis.from_url(url).pubsub()
        self.pubsub.psubscribe("events:*")
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        for message in self.pubsub.listen():
            if message["type"] == "pmessage":
                body = json.loads(message["data"])
                if body["status"] in ("completed", "failed"):
                    self.counts[body["id"]] = self.counts.get(body["id"], 0) + 1


@pytest.mark.parametrize(("sig", "count"), [(9, 200), (15, 60)], ids=["kill-9", "sigterm"])
def test_interrupted_worker_loses_and_doubles_nothing(settings, spawn, sig, count, tally):
    """kill -9 (nothing committed after the crash) or SIGTERM (graceful hand-back) mid-run."""
    make_topics(settings)
    docs = ids(count, f"sig{sig}")
    counter = FinalCounter(settings.redis_url)
    time.sleep(0.3)
    pdf = invoice_pdf()
    produce(settings, catalogue.SUBMITTED, [(d.encode(), submitted(d, pdf), {}) for d in docs])
    worker = spawn(settings, "worker")
    client = redis.Redis.from_url(settings.redis_url)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done = sum(client.hget(f"doc:{d}", "status") == b"completed" for d in docs)
        if done >= 5:
            break
        time.sleep(0.1)
    assert 5 <= done < count, f"the signal must land mid-run, {done} were done"
    pool = children(worker.popen.pid)
    worker.kill(sig)
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in pool) and time.monotonic() < deadline:
        time.sleep(0.2)
    orphans = [pid for pid in pool if alive(pid)]
    spawn(settings, "worker")
    records = wait_records(settings.redis_url, docs, timeout=300)
    completed = sum(r["status"] == "completed" for r in records.values())
    time.sleep(2)  # let late duplicate deliveries arrive before counting
    writes = [counter.counts.get(d, 0) for d in docs]  # other tests may share this Redis
    tally(lost=count - completed, duplicated=sum(n - 1 for n in writes if n),
          stuck=count - len(records), leaked=len(orphans), pool_children=len(pool))
    assert pool, "the worker had started its process pool"
    assert orphans == [], "pool children outlived their worker"
    assert completed == count
    assert set(writes) == {1}, "a final record was written twice, or never"


def test_provider_outage_retries_then_dlq_then_replay_completes(settings, spawn, fake_server):
    make_topics(settings)
    fake_server.reset()
    fake_server.outage("500")
    outage = settings.model_copy(update={
        "extraction_providers": "groq", "groq_api_key": "gsk-test-key-0123456789",
        "groq_base_url": fake_server.url, "stage_max_attempts": 3,
        "provider_max_retries": 0, "provider_timeout_seconds": 5,
        "circuit_reset_seconds": 1,
    })
    docs = ids(5, "outage")
    # and a scan under schema=auto: its part reads the parent's page image, which must outlive
    # the parent's completion while the part waits in the DLQ
    parent = ids(1, "outage-auto")[0]
    scan = docgen.render_jpeg(invoice_pdf(), dpi=100)
    produce(settings, catalogue.SUBMITTED,
            [(d.encode(), submitted(d, invoice_pdf()), {}) for d in docs]
            + [(parent.encode(), submitted(parent, scan, "auto", "image/jpeg"), {})])
    spawn(outage, "worker")
    assert wait_records(settings.redis_url, [parent])[parent]["status"] == "completed"
    docs.append(f"{parent}-p1-1")
    failed = wait_records(settings.redis_url, docs, timeout=120)
    assert {r["status"] for r in failed.values()} == {"failed"}
    # After enough failures the breaker opens and later documents fail fast with its code.
    assert {r["error"]["code"] for r in failed.values()} <= {"provider_error", "circuit_open"}
    letters = _wait_letters(settings, 6)
    assert {d.meta("attempts") for d in letters} == {"3"}
    assert {d.meta("stage") for d in letters} == {"extract"}
    fake_server.outage(None)

    async def do_replay() -> tuple[int, int]:
        client = redis.asyncio.Redis.from_url(settings.redis_url)
        try:
            first = await replay(outage, letters, client)
            second = await replay(outage, letters, client)  # idempotent: nothing twice
            return first, second
        finally:
            await client.aclose()

    time.sleep(2)  # the parent's completion has reached the store agent
    assert asyncio.run(do_replay()) == (6, 0)
    deadline = time.monotonic() + 120
    client = redis.Redis.from_url(settings.redis_url)
    while time.monotonic() < deadline:
        states = [json.loads(client.hget(f"doc:{d}", "json"))["status"] for d in docs]
        if set(states) == {"completed"}:
            break
        time.sleep(0.5)
    assert set(states) == {"completed"}
    record = json.loads(client.hget(f"doc:{docs[0]}", "json"))
    assert record["provider"] == "groq"


def test_two_workers_share_the_partitions(settings, spawn):
    make_topics(settings)
    docs = ids(48, "scale")
    first, second = spawn(settings, "worker"), spawn(settings, "worker")
    time.sleep(8)  # both join the group before the work arrives
    pdf = invoice_pdf()
    produce(settings, catalogue.SUBMITTED, [(d.encode(), submitted(d, pdf), {}) for d in docs])
    records = wait_records(settings.redis_url, docs)
    assert {r["status"] for r in records.values()} == {"completed"}
    done = [proc.log.read_text().count("stage.done") for proc in (first, second)]
    assert all(n > 0 for n in done), done

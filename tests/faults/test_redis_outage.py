"""Redis stopped for 10 s under load, then started again: documents in flight complete."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient

from ingest_api.app import create_app
from tests.conftest import free_port
from tests.fakes.fixtures import jpeg
from tests.faults.test_erasure import topic_messages
from tests.helpers import make_topics, wait_records
from topics import catalogue

pytestmark = [pytest.mark.integration, pytest.mark.slow]
KEY = {"X-API-Key": "outage-key-0123456789abcdef"}
DOCS = 20


class PrivateRedis:
    """A redis-server of this test's own (persistent, as deploy/local runs it): only it is
    stopped, never the one other tests share."""

    def __init__(self, workdir: Path) -> None:
        self.port, self.dir = free_port(), workdir
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "yes", "--dir", str(self.dir)], stdout=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.1)
        raise TimeoutError("private redis did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()  # SIGTERM: Redis flushes its append-only file
            self.proc.wait(10)
            self.proc = None


@pytest.fixture
def private_redis(tmp_path):
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def test_redis_outage_is_waited_out(settings, spawn, private_redis, tally):
    ours = settings.model_copy(update={
        "redis_url": private_redis.url, "api_keys": f"outage:{KEY['X-API-Key']}",
        "rate_limit_per_minute": 6000, "rate_limit_burst": 1000, "retry_max_seconds": 2})
    make_topics(ours)
    spawn(ours, "worker")
    with TestClient(create_app(ours)) as client:
        ids = []
        for i in range(DOCS):
            scan = (f"scan-{i}.jpg", jpeg(f"Receipt {i} Total: {i}.00"), "image/jpeg")
            response = client.post("/v1/documents", files={"file": scan},
                                   data={"schema": "receipt"}, headers=KEY)
            assert response.status_code == 202, response.text
            ids.append(response.json()["id"])
    store = redis.Redis.from_url(private_redis.url)
    done_before = sum(store.hget(f"doc:{i}", "status") == b"completed" for i in ids)
    private_redis.stop()
    time.sleep(10)
    private_redis.start()
    records = wait_records(private_redis.url, ids, timeout=180)
    letters = [k for k, _ in topic_messages(ours, catalogue.SUBMITTED.dlq)] + \
              [k for k, _ in topic_messages(ours, catalogue.PREPARED.dlq)]
    completed = sum(r["status"] == "completed" for r in records.values())
    tally(lost=DOCS - len(records), duplicated=0, stuck=DOCS - completed,
          leaked=0, dead_letters=len(letters))
    assert done_before < DOCS, "the outage must hit documents in flight"
    assert completed == DOCS and letters == []

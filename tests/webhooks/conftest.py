"""One real stack (worker and API subprocesses on the real Kafka and Redis) for the webhook tests,
a loopback receiver, and one tenant per test so each sees only its own events."""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis

from config.settings import Settings
from tests.conftest import Proc, _delete_topics, free_port, settings_env, wait_http_ready
from tests.helpers import invoice_pdf, make_topics
from tests.webhooks.receiver import Receiver

RUN = uuid.uuid4().hex[:8]  # Redis outlives a run: tenants (and their webhooks) are this run's
TENANTS = [f"wh{n}" for n in range(8)]


def tenant_of(name: str) -> str:
    return f"{name}-{RUN}"


def key_of(tenant: str) -> str:
    return f"{tenant}-key-0123456789abcdef"


@dataclass
class Stack:
    settings: Settings
    url: str
    receiver: Receiver
    worker: Proc

    def worker_metrics(self) -> str:
        return httpx.get(f"http://127.0.0.1:{self.settings.worker_metrics_port}/metrics").text

    def client(self, tenant: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60,
                            headers={"X-API-Key": key_of(tenant)})


@pytest.fixture(scope="module")
def stack(kafka: str, redis_url: str) -> Iterator[Stack]:
    unique = uuid.uuid4().hex[:10]
    settings = Settings(
        _env_file=None, environment="test", kafka_bootstrap_servers=kafka, redis_url=redis_url,
        topic_prefix=f"t{unique}.", worker_group=f"g{unique}", extraction_providers="local",
        api_keys=",".join(f"{tenant_of(t)}:{key_of(t)}" for t in TENANTS), preprocess_workers=1,
        retry_base_seconds=0.05, retry_max_seconds=0.5, rate_limit_per_minute=60000,
        rate_limit_burst=1000, webhook_allow_private=True, webhook_timeout_seconds=2,
        webhook_retry_base_seconds=0.05, webhook_retry_max_seconds=2, webhook_max_attempts=5,
        worker_metrics_port=free_port(),
    )
    make_topics(settings)
    logs = Path(tempfile.mkdtemp(prefix="webhook-stack-"))  # kept: pytest prunes its own dirs
    env = settings_env(settings)
    port = free_port()
    worker = Proc(["worker"], env, logs / "worker.log").start()
    api = Proc(["api", "--port", str(port)], env, logs / "api.log").start()
    receiver = Receiver()
    try:
        wait_http_ready(f"http://127.0.0.1:{port}/ready")
        yield Stack(settings, f"http://127.0.0.1:{port}", receiver, worker)
    finally:
        receiver.close()
        api.stop()
        worker.stop()
        store = redis.Redis.from_url(redis_url)  # this run's endpoints must not outlive it
        for tenant in TENANTS:
            store.delete(f"webhooks:{tenant_of(tenant)}")
        for key in store.scan_iter(f"webhooklog:*-{RUN}:*"):
            store.delete(key)
        store.delete(f"{settings.topic_prefix}webhooks:schedule")  # the retries still pending
        store.close()
        asyncio.run(_delete_topics(kafka, f"t{unique}."))


def pdfs(marker: str, n: int) -> list[tuple[str, tuple[str, bytes, str]]]:
    """n distinct one-page invoices as multipart `file` parts."""
    return [("file", (f"{marker}-{i}.pdf",
                      invoice_pdf([f"Invoice Number: {marker}-{i}", "Total: 10.00 EUR"]),
                      "application/pdf")) for i in range(n)]


def register(client: httpx.Client, name: str, url: str, events: list[str]) -> str:
    response = client.put(f"/v1/webhooks/{name}", json={"url": url, "events": events})
    assert response.status_code == 200, response.text
    return response.json()["secret"]

"""A three-node KRaft cluster loses a broker (kill -9) while 100 documents flow: none is lost.

The cluster is this test's own (deploy/local/kafka.sh with KAFKA_NODES=3, its own RUN_DIR and free
ports), never the shared broker on 9092 that other tests and people use. Redis is the shared one
(keys are per-document ids, topics carry a prefix of this test's own).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest

from config.settings import Settings
from tests.conftest import free_port, wait_http_ready
from tests.helpers import invoice_pdf, wait_records
from topics import catalogue
from topics.admin import create_topics, durability

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(400)]

ROOT = Path(__file__).resolve().parents[2]
KEY = "three-brokers-key-0123456789"
DOCUMENTS = 100


def _free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _base_port() -> int:
    """A base P with P..P+5 all free: brokers P, P+2, P+4; controllers P+1, P+3, P+5."""
    for base in range(29092, 29992, 100):
        if all(_free(base + i) for i in range(6)):
            return base
    pytest.skip("no six free loopback ports for a private cluster")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory):
    run_dir = tmp_path_factory.mktemp("kafka3")
    base = _base_port()
    env = os.environ | {"RUN_DIR": str(run_dir), "KAFKA_NODES": "3", "KAFKA_PORT": str(base),
                        "KAFKA_CONTROLLER_PORT": str(base + 1), "KAFKA_START_TIMEOUT": "150"}
    script = str(ROOT / "deploy/local/kafka.sh")
    try:
        subprocess.run(["bash", script, "start"], env=env, check=True, timeout=240)
        yield {"servers": ",".join(f"127.0.0.1:{base + 2 * i}" for i in range(3)),
               "pids": [run_dir / f"kafka-{n}.pid" for n in (1, 2, 3)]}
    finally:
        subprocess.run(["bash", script, "stop"], env=env, timeout=120, check=False)


def test_durability_follows_the_broker_count() -> None:
    assert durability(1) == (1, 1)
    assert durability(3) == (3, 2)
    assert durability(5) == (3, 2)


def test_local_cluster_topics_have_three_replicas_and_min_isr_two(cluster, redis_url) -> None:
    settings = _settings(cluster, redis_url)
    asyncio.run(create_topics(settings))
    replicas, min_isr = asyncio.run(_describe(settings))
    assert replicas and set(replicas.values()) == {3}, replicas
    assert set(min_isr.values()) == {"2"}, min_isr


def test_losing_one_broker_loses_no_document(cluster, redis_url, spawn) -> None:
    settings = _settings(cluster, redis_url)
    asyncio.run(create_topics(settings))
    port = free_port()
    spawn(settings, "worker")
    spawn(settings, "api", "--port", str(port))
    base = f"http://127.0.0.1:{port}"
    wait_http_ready(f"{base}/ready", timeout=120)

    statuses: list[int] = []
    accepted: list[str] = []
    killed = threading.Event()

    def upload(client: httpx.Client, n: int) -> None:
        pdf = invoice_pdf([f"Three brokers run {uuid.uuid4().hex}", f"Invoice Number: TB-{n}",
                           "Total: 10.00 EUR"])
        response = client.post("/v1/documents", data={"schema": "invoice"},
                               files={"file": (f"tb-{n}.pdf", pdf, "application/pdf")})
        statuses.append(response.status_code)
        if response.status_code == 202:
            accepted.append(response.json()["id"])

    # Node 2 dies a third of the way in; the rest are uploaded while it stays dead.
    with httpx.Client(base_url=base, timeout=60, headers={"X-API-Key": KEY}) as client:
        for n in range(DOCUMENTS):
            if n == DOCUMENTS // 3:
                victim = int(cluster["pids"][1].read_text())
                os.kill(victim, signal.SIGKILL)
                killed.set()
                time.sleep(1)  # let its leaderships fail over while uploads keep coming
            upload(client, n)
            time.sleep(0.05)

    assert killed.is_set()
    rejected = [s for s in statuses if s != 202]
    records = wait_records(settings.redis_url, accepted, timeout=180)
    completed = [r for r in records.values() if r["status"] == "completed"]
    lost = len(accepted) - len(completed)
    print(f"three brokers, one killed: uploaded {DOCUMENTS}, accepted {len(accepted)}, "  # noqa: T201
          f"completed {len(completed)}, lost {lost}, rejected {len(rejected)}")
    assert not rejected, f"uploads refused after the broker died: {rejected}"
    assert len(accepted) == DOCUMENTS
    assert lost == 0, [r for r in records.values() if r["status"] != "completed"][:3]


def _settings(cluster: dict, redis_url: str) -> Settings:
    unique = uuid.uuid4().hex[:10]
    return Settings(
        _env_file=None, environment="test", kafka_bootstrap_servers=cluster["servers"],
        redis_url=redis_url, topic_prefix=f"tb{unique}.", worker_group=f"tb{unique}",
        extraction_providers="local", api_keys=f"tb:{KEY}", ocr_enabled=False,
        rate_limit_per_minute=100000, rate_limit_burst=1000, preprocess_workers=1,
        retry_base_seconds=0.05, retry_max_seconds=0.5,
    )


async def _describe(settings: Settings) -> tuple[dict[str, int], dict[str, str]]:
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        expected = len(catalogue.all_topics())
        for _ in range(60):  # a busy cluster's brokers learn of new topics a moment apart
            names = [t for t in await admin.list_topics() if t.startswith(settings.topic_prefix)]
            if len(names) >= expected:
                break
            await asyncio.sleep(0.5)
        described = await admin.describe_topics(names)
        replicas = {t["topic"]: len(t["partitions"][0]["replicas"]) for t in described}
        configs = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, n) for n in names])
        min_isr = {}
        for response in configs:
            for resource in response.resources:
                entries = {c[0]: c[1] for c in resource[4]}
                min_isr[resource[3]] = entries.get("min.insync.replicas")
        return replicas, min_isr
    finally:
        await admin.close()

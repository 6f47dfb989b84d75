"""The API killed (SIGTERM) with uploads in flight, and a broker outage under load (a private
broker of this test's own, stopped and started): every upload answered 202 completes."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, free_port, server_ports, wait_http_ready
from tests.helpers import invoice_pdf, make_topics, wait_records

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(400)]
KEY = "edge-faults-key-0123456789"


def uploader(base: str, accepted: list[str], refused: list[int], stop: threading.Event) -> None:
    with httpx.Client(base_url=base, headers={"X-API-Key": KEY}, timeout=30) as client:
        while not stop.is_set():
            pdf = invoice_pdf([f"Invoice Number: {uuid.uuid4().hex[:12]}", "Total: 5.00"])
            try:
                response = client.post("/v1/documents",
                                       files={"file": ("invoice.pdf", pdf, "application/pdf")})
            except httpx.HTTPError:
                refused.append(0)  # the connection went with the API: not accepted
                time.sleep(0.2)
                continue
            if response.status_code == 202:
                accepted.append(response.json()["id"])
            else:
                refused.append(response.status_code)
                time.sleep(float(response.headers.get("Retry-After", "0.2")))


def run_uploads(base: str, seconds_before: float, fault, threads: int = 4):
    accepted: list[str] = []
    refused: list[int] = []
    stop = threading.Event()
    workers = [threading.Thread(target=uploader, args=(base, accepted, refused, stop))
               for _ in range(threads)]
    for thread in workers:
        thread.start()
    time.sleep(seconds_before)
    fault()
    stop.set()
    for thread in workers:
        thread.join(60)
    return accepted, refused


def edge_settings(settings):
    return settings.model_copy(update={"api_keys": f"edge:{KEY}", "rate_limit_per_minute": 60000,
                                       "rate_limit_burst": 1000})


def test_api_sigterm_with_uploads_in_flight_loses_nothing(settings, spawn, tally):
    ours = edge_settings(settings)
    make_topics(ours)
    spawn(ours, "worker")
    port = free_port()
    api = spawn(ours, "api", "--port", str(port))
    base = f"http://127.0.0.1:{port}"
    wait_http_ready(f"{base}/ready")
    accepted, refused = run_uploads(base, 3, lambda: api.kill(signal.SIGTERM))
    records = wait_records(ours.redis_url, accepted, timeout=240)
    completed = sum(r["status"] == "completed" for r in records.values())
    tally(lost=len(accepted) - completed, duplicated=len(accepted) - len(set(accepted)),
          stuck=len(accepted) - len(records), leaked=0, accepted=len(accepted),
          refused=len(refused))
    assert len(accepted) >= 5 and completed == len(accepted)


def _free_pair() -> int:
    return server_ports(2)[0]


@pytest.fixture
def private_broker(tmp_path: Path):
    base = _free_pair()
    env = os.environ | {"RUN_DIR": str(tmp_path), "KAFKA_NODES": "1", "KAFKA_PORT": str(base),
                        "KAFKA_CONTROLLER_PORT": str(base + 1)}
    script = ["bash", str(ROOT / "deploy/local/kafka.sh")]

    def control(action: str) -> None:
        subprocess.run([*script, action], env=env, check=True, timeout=180,
                       stdout=subprocess.DEVNULL)

    control("start")
    try:
        yield f"127.0.0.1:{base}", control
    finally:
        subprocess.run([*script, "stop"], env=env, timeout=120, check=False)


def test_broker_outage_under_load_loses_nothing(settings, spawn, private_broker, tally):
    servers, control = private_broker
    ours = edge_settings(settings).model_copy(update={"kafka_bootstrap_servers": servers})
    make_topics(ours)
    spawn(ours, "worker")
    port = free_port()
    spawn(ours, "api", "--port", str(port))
    base = f"http://127.0.0.1:{port}"
    wait_http_ready(f"{base}/ready", timeout=90)

    def outage() -> None:
        control("stop")
        time.sleep(15)
        control("start")
        time.sleep(3)

    accepted, refused = run_uploads(base, 3, outage, threads=2)
    records = wait_records(ours.redis_url, accepted, timeout=300)
    completed = sum(r["status"] == "completed" for r in records.values())
    tally(lost=len(accepted) - completed, duplicated=len(accepted) - len(set(accepted)),
          stuck=len(accepted) - len(records), leaked=0, accepted=len(accepted),
          refused_503=refused.count(503))
    assert refused.count(503) >= 1, "uploads during the outage are refused, not hung"
    assert len(accepted) >= 5 and completed == len(accepted)

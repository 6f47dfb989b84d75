"""`make run` (deploy/local/procs.sh run), then Ctrl-C: everything that run started stops.

A terminal's Ctrl-C sends SIGINT to the whole foreground process group. Redis exits on it;
Kafka, started in the background by a non-interactive shell, ignores it. The run's own Kafka,
Redis, API and worker must all be gone afterwards, also when the worker had already died.
Ports and RUN_DIR are this test's own.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import ROOT, server_ports, wait_http_ready


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _group(pgid: int) -> list[int]:
    """Live processes in process group `pgid`."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def _worker(pgid: int) -> int:
    for pid in _group(pgid):
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        if argv[-2:] == [b"worker", b""]:
            return pid
    raise AssertionError("no worker in the run's process group")


@pytest.mark.parametrize("worker_died", [False, True], ids=["ctrl-c", "worker-died-first"])
def test_ctrl_c_stops_what_make_run_started(tmp_path, worker_died):
    kafka, controller, redis_port, api = server_ports(4)
    env = os.environ | {
        "RUN_DIR": str(tmp_path), "KAFKA_PORT": str(kafka),
        "KAFKA_CONTROLLER_PORT": str(controller), "KAFKA_START_TIMEOUT": "150",
        "REDIS_PORT": str(redis_port), "API_PORT": str(api),
        "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{kafka}",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "TOPIC_PREFIX": f"run{uuid.uuid4().hex[:8]}.", "EXTRACTION_PROVIDERS": "local",
    }
    log = (tmp_path / "make-run.log").open("wb")
    run = subprocess.Popen(["bash", str(ROOT / "deploy/local/procs.sh"), "run"], env=env,
                           cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        try:
            wait_http_ready(f"http://127.0.0.1:{api}/ready", timeout=240)
        except TimeoutError as exc:  # say why: the run's own output
            said = (tmp_path / "make-run.log").read_text(errors="replace")[-3000:]
            raise AssertionError(f"{exc}; make run said:\n{said}") from None
        assert run.poll() is None, "make run exited"
        servers = [int((tmp_path / f"{name}.pid").read_text()) for name in ("kafka", "redis")]
        assert all(_alive(pid) for pid in servers)
        assert len(_group(run.pid)) >= 3  # the script, the worker and the API at least

        if worker_died:  # its non-zero exit status must not cut the clean-up short
            os.kill(_worker(run.pid), signal.SIGKILL)
            time.sleep(1)
        os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        run.wait(timeout=150)
        deadline = time.monotonic() + 30
        while any(_alive(pid) for pid in servers) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = {name: pid for name, pid in zip(("kafka", "redis"), servers, strict=True)
                if _alive(pid)}
        assert left == {}, (left, (tmp_path / "make-run.log").read_text()[-2000:])
        assert _group(run.pid) == []
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
        for svc in ("kafka", "redis"):
            subprocess.run(["bash", str(ROOT / f"deploy/local/{svc}.sh"), "stop"], env=env,
                           capture_output=True, timeout=120, check=False)
        log.close()

"""Real Kafka and Redis for the tests, and unique topic and group names per test.

`KAFKA_BOOTSTRAP_SERVERS` / `REDIS_URL` win when set. Otherwise the local services are started
from deploy/local (no Docker needed), or testcontainers is used where a Docker engine answers.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from config.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT.parent / "shared" / "samples"


def _port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _local(script: str) -> None:
    subprocess.run(["bash", str(ROOT / "deploy/local" / script), "start"], check=True)


@pytest.fixture(scope="session")
def kafka() -> str:
    """Bootstrap servers of a real broker."""
    if servers := os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        return servers
    if not _port_open("127.0.0.1", 9092):
        _local("kafka.sh")
    return "127.0.0.1:9092"


@pytest.fixture(scope="session")
def redis_url() -> str:
    if url := os.environ.get("REDIS_URL"):
        return url
    if not _port_open("127.0.0.1", 6379):
        _local("redis.sh")
    return "redis://127.0.0.1:6379/0"


@pytest.fixture
def settings(kafka: str, redis_url: str) -> Iterator[Settings]:
    """Settings with a topic prefix and consumer group of this test's own (topics deleted after)."""
    unique = uuid.uuid4().hex[:10]
    yield Settings(
        _env_file=None, environment="test", kafka_bootstrap_servers=kafka,
        redis_url=redis_url, topic_prefix=f"t{unique}.", worker_group=f"g{unique}",
        extraction_providers="local", api_keys="", retry_base_seconds=0.05,
        retry_max_seconds=0.5, preprocess_workers=1,
    )
    asyncio.run(_delete_topics(kafka, f"t{unique}."))


async def _delete_topics(bootstrap: str, prefix: str) -> None:
    """Each test's topics go: thousands of left-over partitions exhaust the broker's files."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        await admin.start()
        names = [t for t in await admin.list_topics() if t.startswith(prefix)]
        if names:
            await admin.delete_topics(names)
    except Exception:  # cleanup only: a broker the test stopped must not fail the test
        pass
    finally:
        await admin.close()


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that makes a subprocess see the same settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GROQ_", "MISTRAL_"))}
    for name, value in settings.model_dump().items():
        if value is not None:
            env[name.upper()] = str(value)
    return env


class Proc:
    """A `doc-extractor` subprocess (API or worker) that tests can kill and restart."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args, self.env, self.log = args, env, log
        self.popen: subprocess.Popen | None = None

    def start(self) -> Proc:
        out = self.log.open("ab")
        self.popen = subprocess.Popen([sys.executable, "-m", "cli.main", *self.args],
                                      env=self.env, cwd=ROOT, stdout=out, stderr=out)
        return self

    def kill(self, sig: int = 9) -> None:
        if self.popen and self.popen.poll() is None:
            self.popen.send_signal(sig)
            self.popen.wait(30)

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(30)
            except subprocess.TimeoutExpired:
                self.popen.kill()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_ports(count: int, first: int = 20_000) -> list[int]:
    """`count` consecutive loopback ports a server started later can bind: below the ephemeral
    range (32768 up), where no outgoing connection takes one in the meantime, and each bindable
    now (not merely unanswered: a client's local port answers nothing yet blocks a bind)."""
    for base in range(first + random.randrange(0, 2000, 10), 32_000, 10):
        try:
            socks = []
            for port in range(base, base + count):
                sock = socket.socket()
                socks.append(sock)
                sock.bind(("127.0.0.1", port))
            return list(range(base, base + count))
        except OSError:
            continue
        finally:
            for sock in socks:
                sock.close()
    raise RuntimeError(f"no {count} free loopback ports below 32000")


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator:
    """spawn(settings, "worker") / spawn(settings, "api", port=N): processes stopped after."""
    procs: list[Proc] = []

    def _spawn(settings: Settings, *args: str, **env_extra: str) -> Proc:
        env = settings_env(settings) | {k.upper(): str(v) for k, v in env_extra.items()}
        proc = Proc(list(args), env, tmp_path / f"{args[0]}-{len(procs)}.log").start()
        procs.append(proc)
        return proc

    yield _spawn
    for proc in procs:
        proc.stop()


def wait_http_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} not ready after {timeout} s")


TALLIES: dict[str, dict[str, object]] = {}


@pytest.fixture
def tally(request):
    """tally(lost=0, duplicated=0, stuck=0, leaked=0): a fault test's counts, printed at the end."""

    def record(**counts: object) -> None:
        TALLIES[request.node.name] = counts

    return record


def pytest_terminal_summary(terminalreporter) -> None:
    if TALLIES:
        terminalreporter.section("fault suite")
        for name, counts in TALLIES.items():
            terminalreporter.write_line(
                f"{name}: " + ", ".join(f"{k}={v}" for k, v in counts.items()))


def children(pid: int) -> list[int]:
    """The live processes whose parent is `pid` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited while we looked
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"

"""The processes a benchmark runs: fake LLM, API, workers and the peer apps, on loopback.

Every process is started here and stopped here, by its own pid; nothing is found by name.
Each run gets its own topic prefix and consumer group, so runs never see each other's data.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from config.settings import Settings
from topics import catalogue
from topics.admin import create_topics

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"
API_KEY = "bench-key-0123456789abcdef"
IP_HASH_KEY = "bench-ip-hash-key-0123456789abcdef0123456789"  # production wants 32+


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class StackConfig:
    """What the API and workers of one run see through their environment."""

    kafka: str = "127.0.0.1:9092"
    redis_url: str = "redis://127.0.0.1:6379/0"
    latency_ms: float = 500
    ai_limit: int = 10
    ocr: bool = False
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    extra: tuple[tuple[str, str], ...] = ()

    @property
    def prefix(self) -> str:
        return f"bench{self.tag}."

    def settings(self) -> Settings:
        return Settings(_env_file=None, kafka_bootstrap_servers=self.kafka,  # type: ignore[call-arg]
                        redis_url=self.redis_url, topic_prefix=self.prefix,
                        worker_group=f"bench{self.tag}")

    def env(self, fake_url: str) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items()
                if k.upper() not in Settings.model_fields and not k.startswith(("GROQ", "MISTRAL"))}
        values = {
            "ENVIRONMENT": "production", "LOG_LEVEL": "INFO", "API_KEYS": f"bench:{API_KEY}",
            "IP_HASH_KEY": IP_HASH_KEY,
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka, "REDIS_URL": self.redis_url,
            "TOPIC_PREFIX": self.prefix, "WORKER_GROUP": f"bench{self.tag}",
            "EXTRACTION_PROVIDERS": "groq", "GROQ_API_KEY": "fake-groq-key-for-bench",
            "GROQ_BASE_URL": fake_url, "MAX_CONCURRENT_AI_REQUESTS": str(self.ai_limit),
            "OCR_ENABLED": str(self.ocr).lower(), "RATE_LIMIT_PER_MINUTE": "100000000",
            "RATE_LIMIT_BURST": "1000000", "PYTHONPATH": str(ROOT),
            "RESULT_TTL_SECONDS": "900",  # what the ingest runs leave unprocessed expires soon
        }
        return keep | values | dict(self.extra)

    def fresh(self, **changes) -> StackConfig:
        """The same configuration with new topics and a new group."""
        return replace(self, tag=uuid.uuid4().hex[:8], **changes)


class Proc:
    def __init__(self, name: str, argv: list[str], env: dict[str, str], logdir: Path) -> None:
        self.name, self.argv, self.env = name, argv, env
        self.log = logdir / f"{name}.log"
        self.popen: subprocess.Popen | None = None

    def start(self) -> Proc:
        out = self.log.open("ab")
        self.popen = subprocess.Popen(self.argv, env=self.env, cwd=self.log.parent,
                                      stdout=out, stderr=subprocess.STDOUT)
        out.close()
        return self

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM, then SIGKILL after `timeout`; children it left behind (pools) go too."""
        if not self.alive():
            return
        assert self.popen is not None
        children = descendants(self.popen.pid)
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(10)
        _kill(children)

    def crash(self) -> None:
        """kill -9 the process and everything below it, with no warning; `start()` restarts."""
        if not self.alive():
            return
        assert self.popen is not None
        children = descendants(self.popen.pid)
        self.popen.kill()
        _kill(children)
        self.popen.wait(10)


def _kill(processes: list[tuple[int, str]]) -> None:
    for pid, started in processes:
        if _started(pid) == started:  # still the same process, not a reused pid
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)


def _stat(pid: int | str) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _started(pid: int) -> str | None:
    fields = _stat(pid)
    return fields[19] if fields else None


def descendants(pid: int) -> list[tuple[int, str]]:
    """(pid, start time) of every process below `pid` in the process tree, from /proc."""
    parents: dict[int, list[tuple[int, str]]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        fields = _stat(entry.name)
        if fields:
            parents.setdefault(int(fields[1]), []).append((int(entry.name), fields[19]))
    found, frontier = [], [pid]
    while frontier:
        kids = parents.get(frontier.pop(), [])
        found += kids
        frontier += [k for k, _ in kids]
    return found


class Procs:
    """Processes of one benchmark section; `with Procs(dir) as p:` stops them all at exit."""

    def __init__(self, logdir: Path) -> None:
        self.logdir = logdir
        self.started: list[Proc] = []

    def spawn(self, name: str, argv: list[str], env: dict[str, str]) -> Proc:
        proc = Proc(name, argv, env, self.logdir).start()
        self.started.append(proc)
        return proc

    def fake_llm(self, latency_ms: float) -> str:
        port = free_port()
        self.spawn(f"fake-llm-{port}", [sys.executable, "-m", "tests.fakes.fake_llm",
                                         "--port", str(port), "--latency-ms", str(latency_ms)],
                   os.environ | {"PYTHONPATH": str(ROOT)})
        url = f"http://{LOOPBACK}:{port}"
        wait_http(f"{url}/_fake/stats", method="GET")
        return url

    def api(self, cfg: StackConfig, fake_url: str) -> str:
        port = free_port()
        self.spawn(f"api-{port}", [sys.executable, "-m", "cli.main", "api", "--port", str(port)],
                   cfg.env(fake_url))
        url = f"http://{LOOPBACK}:{port}"
        wait_http(f"{url}/ready")
        return url

    def worker(self, cfg: StackConfig, fake_url: str, index: int = 0) -> Proc:
        return self.spawn(f"worker-{cfg.tag}-{index}", [sys.executable, "-m", "cli.main", "worker"],
                          cfg.env(fake_url))

    def uvicorn(self, name: str, app: str, workers: int, env: dict[str, str],
                factory: bool = False) -> str:
        port = free_port()
        argv = [sys.executable, "-m", "uvicorn", app, "--host", LOOPBACK, "--port", str(port),
                "--workers", str(workers), "--no-access-log", "--log-level", "warning"]
        self.spawn(f"{name}-{port}", argv + (["--factory"] if factory else []),
                   env | {"PYTHONPATH": str(ROOT)})
        url = f"http://{LOOPBACK}:{port}"
        wait_http(f"{url}/health", method="GET")
        return url

    def stop_all(self) -> None:
        for proc in reversed(self.started):
            proc.stop()
        self.started.clear()

    def __enter__(self) -> Procs:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_all()


def wait_http(url: str, timeout: float = 90, method: str = "GET") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.request(method, url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer 200 within {timeout} s")


def make_topics(cfg: StackConfig) -> None:
    asyncio.run(_make_topics(cfg))


async def _make_topics(cfg: StackConfig) -> None:
    """Create the run's topics and wait until every partition has a leader."""
    await create_topics(cfg.settings())
    names = [catalogue.name(t, cfg.prefix) for t in catalogue.all_topics()]
    admin = AIOKafkaAdminClient(bootstrap_servers=cfg.kafka)
    await admin.start()
    try:
        for _ in range(100):
            described = await admin.describe_topics(names)
            if all(p["leader"] >= 0 for t in described for p in t["partitions"]) and all(
                    t["partitions"] for t in described):
                return
            await asyncio.sleep(0.1)
    finally:
        await admin.close()


def delete_topics(cfg: StackConfig) -> None:
    """Drop the run's topics: the shared broker should not keep what a benchmark made."""

    async def run() -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=cfg.kafka)
        await admin.start()
        try:
            await admin.delete_topics([catalogue.name(t, cfg.prefix)
                                       for t in catalogue.all_topics()])
        except KafkaError:
            pass  # already gone, or the broker is busy: the topics expire with retention
        finally:
            await admin.close()

    asyncio.run(run())

"""The soak's processes and what it measures about them: RSS, Redis keys, consumer lag.

Every process is started and stopped here by its own pid; Kafka's and Redis's pids come from
the pid files of `make services` (Redis's from its INFO when the server is not ours).
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
from pathlib import Path

import httpx
import psutil
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from redis.asyncio import Redis

ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = Path(os.environ.get("RUN_DIR") or ROOT / ".run")  # pid files of `make services`
BIN = Path(sys.executable).with_name("doc-extractor")


class Stack:
    """The soak's own API and worker, or the pids of `make up`'s when SOAK_URL is set."""

    def __init__(self) -> None:
        unique = uuid.uuid4().hex[:8]
        self.prefix, self.tenant = f"soak{unique}.", f"soak{unique}"
        self.key = f"soak-key-{uuid.uuid4().hex}"
        self.kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
        self.redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
        self.external = os.environ.get("SOAK_URL")
        self.procs: dict[str, subprocess.Popen] = {}
        self.url = self.external or f"http://127.0.0.1:{_free_port()}"
        self.group = f"{self.prefix}doc-extractor"

    def start(self) -> None:
        if self.external:
            self.prefix, self.group = "", os.environ.get("WORKER_GROUP", "doc-extractor")
            self.key = os.environ.get("DOC_EXTRACTOR_API_KEY", "")
            return
        env = {**os.environ, "TOPIC_PREFIX": self.prefix, "WORKER_GROUP": "doc-extractor",
               "API_KEYS": f"{self.tenant}:{self.key}", "ENVIRONMENT": "test",
               "KAFKA_BOOTSTRAP_SERVERS": self.kafka, "REDIS_URL": self.redis_url,
               "RATE_LIMIT_PER_MINUTE": "100000", "RATE_LIMIT_BURST": "1000",
               "EXTRACTION_PROVIDERS": "local", "PREPROCESS_WORKERS": "1"}
        for name in ("GROQ_API_KEY", "MISTRAL_API_KEY"):
            env.pop(name, None)  # the local extractor: the soak measures us, not a provider
        subprocess.run([str(BIN), "topics", "create"], env=env, check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
        logs = RUN_DIR / "soak"
        logs.mkdir(parents=True, exist_ok=True)
        port = self.url.rsplit(":", 1)[1]
        for name, args in (("worker", ["worker"]), ("api", ["api", "--port", port])):
            out = (logs / f"{self.prefix}{name}.log").open("ab")
            self.procs[name] = subprocess.Popen([str(BIN), *args], env=env, cwd=ROOT,
                                                stdout=out, stderr=out)

    async def wait_ready(self, http: httpx.AsyncClient, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                if (await http.get("/ready")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
        raise RuntimeError(f"{self.url}/ready not green after {timeout} s")

    def check_alive(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"the {name} exited ({proc.returncode}); see "
                                   f"{RUN_DIR / 'soak' / f'{self.prefix}{name}.log'}")

    def pids(self) -> dict[str, int]:
        """Every process worth watching: API, worker and its children, Kafka, Redis."""
        found: dict[str, int] = {}
        for name in ("api", "worker"):
            if name in self.procs:
                found[name] = self.procs[name].pid
            elif (pid := _pid_file(RUN_DIR / f"{name}.pid")) is not None:
                found[name] = pid
        if "worker" in found:
            with contextlib.suppress(psutil.Error):
                for n, child in enumerate(psutil.Process(found["worker"]).children(True)):
                    found[f"worker.child{n + 1}"] = child.pid
        for pid_file in sorted(RUN_DIR.glob("kafka*.pid")):
            if (pid := _pid_file(pid_file)) is not None:
                found[pid_file.stem] = pid
        if not any(name.startswith("kafka") for name in found):
            port = int(self.kafka.split(",")[0].rsplit(":", 1)[1])
            if (pid := _listener(port)) is not None:  # a broker started from elsewhere
                found["kafka"] = pid
        if (pid := _redis_pid(self.redis_url)) is not None:
            found["redis"] = pid
        return found

    def stop(self) -> None:
        for name in ("api", "worker"):  # API first: no new uploads while the worker drains
            proc = self.procs.get(name)
            if proc and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(60)
                except subprocess.TimeoutExpired:
                    proc.kill()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pid_file(path: Path) -> int | None:
    try:
        pid = int(path.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if psutil.pid_exists(pid) else None


def _listener(port: int) -> int | None:
    with contextlib.suppress(psutil.Error):
        for conn in psutil.net_connections(kind="tcp"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr.port == port and conn.pid:
                return conn.pid
    return None


def _redis_pid(url: str) -> int | None:
    import redis

    try:
        return int(redis.Redis.from_url(url).info("server")["process_id"])
    except (redis.RedisError, KeyError, ValueError):
        return None


def rss_mib(pids: dict[str, int]) -> dict[str, float]:
    out = {}
    for name, pid in pids.items():
        with contextlib.suppress(psutil.Error):  # a pool child may have just been replaced
            out[name] = round(psutil.Process(pid).memory_info().rss / 2**20, 1)
    return out


async def redis_left(stack: Stack, ids: set[str]) -> dict[str, int]:
    """Keys still held for the soak's documents, by kind, and how many of them never expire."""
    redis = Redis.from_url(stack.redis_url)
    left = {"doc": 0, "blob": 0, "dedup": 0, "no_ttl": 0}
    try:
        for pattern, kind in (("doc:*", "doc"), ("blob:*", "blob"),
                              (f"dedup:{stack.tenant}:*", "dedup")):
            async for key in redis.scan_iter(match=pattern, count=2000):
                name = key.decode()
                if kind != "dedup" and name.split(":")[1] not in ids:
                    continue
                left[kind] += 1
                if await redis.ttl(key) == -1:
                    left["no_ttl"] += 1
    finally:
        await redis.aclose()
    return left


async def lag(stack: Stack) -> int:
    """The worker group's lag summed over the soak's topics (0: everything consumed)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=stack.kafka)
    consumer = AIOKafkaConsumer(bootstrap_servers=stack.kafka)
    await admin.start()
    await consumer.start()
    try:
        committed = await admin.list_consumer_group_offsets(stack.group)
        mine = [tp for tp in committed if tp.topic.startswith(stack.prefix)]
        ends = await consumer.end_offsets(mine) if mine else {}
        return sum(max(0, ends[tp] - committed[tp].offset) for tp in mine
                   if committed[tp].offset >= 0)
    finally:
        await consumer.stop()
        await admin.close()


async def cleanup(stack: Stack, ids: set[str]) -> None:
    if stack.external:
        return
    admin = AIOKafkaAdminClient(bootstrap_servers=stack.kafka)
    await admin.start()
    try:
        names = [t for t in await admin.list_topics() if t.startswith(stack.prefix)]
        if names:
            await admin.delete_topics(names)
    finally:
        await admin.close()
    redis = Redis.from_url(stack.redis_url)
    try:  # results would expire within RESULT_TTL_SECONDS anyway; the machine is shared
        for doc_id in ids:
            await redis.delete(f"doc:{doc_id}")
        async for key in redis.scan_iter(match=f"dedup:{stack.tenant}:*", count=2000):
            await redis.delete(key)
    finally:
        await redis.aclose()

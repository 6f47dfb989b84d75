"""`make soak`: a steady, bounded upload load for SOAK_MINUTES against a stack of its own.

Starts an API and a worker on loopback (own topic prefix, consumer group and tenant, on the
Kafka and Redis of `make services`), uploads SOAK_RATE documents a second (every tenth a small
JPEG, so the pool's children OCR), then waits for every document to end and prints:
end-to-end p50/p99 (upload sent -> result on `documents.results`), the RSS of every process
(API, worker, the worker's pool children, Kafka, Redis) at the start, each minute and the end,
Redis keys left, consumer lag, and lost / stuck / failed counts. SOAK_URL points it at a stack
already running (`make up`) instead; RSS then comes from the pid files in .run/.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
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
import pymupdf
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from redis.asyncio import Redis

from topics import catalogue

ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = Path(os.environ.get("RUN_DIR") or ROOT / ".run")  # pid files of `make services`
BIN = Path(sys.executable).with_name("doc-extractor")
MAX_IN_FLIGHT = 32  # uploads waiting for their 202; beyond it a tick is skipped, not queued
FINAL = {"completed", "failed", "cancelled"}
WARM_UP = 9_999_990  # a JPEG and a PDF (see make_document)


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name) or default)


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


def make_document(n: int) -> tuple[str, bytes, str]:
    """A one-page invoice PDF unique to `n` (no deduplication); every tenth a small JPEG scan."""
    doc = pymupdf.open()
    page = doc.new_page(width=420 if n % 10 == 0 else 595, height=300 if n % 10 == 0 else 842)
    lines = ["Soak Supplies Ltd", f"Invoice Number: SOAK-{n:06d}", "Invoice Date: 14/03/2026",
             f"Subtotal: {n % 997}.00 EUR", "VAT 20%: 0.00 EUR", f"Total: {n % 997}.00 EUR"]
    for i, line in enumerate(lines):
        page.insert_text((30, 40 + 22 * i), line, fontsize=12)
    if n % 10:
        return f"soak-{n}.pdf", doc.tobytes(), "application/pdf"
    pix = page.get_pixmap(dpi=150)
    image = io.BytesIO(pix.tobytes("jpeg"))
    return f"soak-{n}.jpg", image.getvalue(), "image/jpeg"


async def watch_results(stack: Stack, seen: dict[str, float], stop: asyncio.Event) -> None:
    """First arrival time of each id on `documents.results` (it is at-least-once)."""
    topic = catalogue.name(catalogue.RESULTS, stack.prefix)
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=stack.kafka,
                                auto_offset_reset="latest" if stack.external else "earliest",
                                group_id=None, enable_auto_commit=False)
    await consumer.start()
    try:
        while not stop.is_set():
            batch = await consumer.getmany(timeout_ms=500)
            now = time.time()
            for records in batch.values():
                for record in records:
                    if record.key and record.value:
                        status = json.loads(record.value).get("status")
                        if status in FINAL:
                            seen.setdefault(record.key.decode(), now)
    finally:
        await consumer.stop()


async def upload_one(http: httpx.AsyncClient, stack: Stack, number: int,
                     sent: dict[str, float], refused: dict[int, int]) -> None:
    name, body, ctype = make_document(number)
    t0 = time.time()
    try:
        response = await http.post("/v1/documents", files={"file": (name, body, ctype)},
                                   data={"schema": "invoice"}, headers={"X-API-Key": stack.key})
    except httpx.HTTPError:
        refused[0] = refused.get(0, 0) + 1  # 0: no answer at all
        return
    if response.status_code == 202:
        sent[response.json()["id"]] = t0
    else:
        refused[response.status_code] = refused.get(response.status_code, 0) + 1


async def upload_loop(http: httpx.AsyncClient, stack: Stack, minutes: float, rate: float,
                      sent: dict[str, float], refused: dict[int, int], on_minute) -> int:
    """Upload at `rate`/s for `minutes`; return how many ticks were skipped (too many in flight)."""
    in_flight: set[asyncio.Task] = set()
    skipped = n = 0
    start = time.monotonic()
    next_minute = start + 60

    while (elapsed := time.monotonic() - start) < minutes * 60:
        if len(in_flight) >= MAX_IN_FLIGHT:
            skipped += 1
        else:
            task = asyncio.create_task(upload_one(http, stack, n, sent, refused))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
        n += 1
        if time.monotonic() >= next_minute:
            next_minute += 60
            stack.check_alive()
            on_minute(round(elapsed / 60))
        await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
    if in_flight:
        await asyncio.wait(in_flight)
    return skipped


async def warm_up(http: httpx.AsyncClient, stack: Stack, seen: dict[str, float],
                  timeout: float = 300) -> None:
    """One PDF and one JPEG through the pipeline first: the worker's group join and its pool's
    OCR models are start-up costs, not steady-state latency."""
    warm: dict[str, float] = {}
    for n in (WARM_UP, WARM_UP + 1):  # numbers the load never reaches: not deduplicated
        refused: dict[int, int] = {}
        await upload_one(http, stack, n, warm, refused)
        if refused:
            raise RuntimeError(f"warm-up upload refused: {refused}")
    deadline = time.monotonic() + timeout
    while not set(warm) <= set(seen):
        stack.check_alive()
        if time.monotonic() > deadline:
            raise RuntimeError(f"warm-up documents not final after {timeout} s")
        await asyncio.sleep(0.5)


async def classify(http: httpx.AsyncClient, stack: Stack, sent: dict[str, float],
                   seen: dict[str, float]) -> dict[str, int]:
    """Final states of the documents the results topic did not show: stuck, lost or late."""
    counts = {"completed": 0, "failed": 0, "cancelled": 0, "stuck": 0, "lost": 0}
    for doc_id in sent:
        if doc_id in seen:
            continue
        response = await http.get(f"/v1/documents/{doc_id}", headers={"X-API-Key": stack.key})
        status = response.json().get("status") if response.status_code == 200 else None
        counts["lost" if status is None else status if status in FINAL else "stuck"] += 1
    return counts


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


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def soak() -> dict:
    minutes, rate = _env_float("SOAK_MINUTES", 10), _env_float("SOAK_RATE", 5)
    drain = _env_float("SOAK_DRAIN_SECONDS", 180)
    stack = Stack()
    stack.start()
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}
    refused: dict[int, int] = {}
    rss: list[tuple[str, dict[str, float]]] = []
    try:
        async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:
            await stack.wait_ready(http)
            stop = asyncio.Event()
            watcher = asyncio.create_task(watch_results(stack, seen, stop))
            await warm_up(http, stack, seen)
            rss.append(("start", rss_mib(stack.pids())))
            skipped = await upload_loop(
                http, stack, minutes, rate, sent, refused,
                lambda m: rss.append((f"min {m}", rss_mib(stack.pids()))))
            deadline = time.monotonic() + drain
            while time.monotonic() < deadline and not set(sent) <= set(seen):
                stack.check_alive()
                await asyncio.sleep(1)
            rss.append(("end", rss_mib(stack.pids())))
            stop.set()
            await watcher
            others = await classify(http, stack, sent, seen)
        ids = set(sent)
        report = {
            "minutes": minutes, "rate_per_s": rate, "accepted": len(sent),
            "refused": refused, "skipped_ticks": skipped,
            "e2e_ms": _latencies(sent, seen),
            "final_on_results_topic": len(ids & set(seen)),
            "not_on_results_topic": others,
            "lost": others["lost"], "stuck": others["stuck"],
            "redis_keys_left": await redis_left(stack, ids),
            "consumer_lag": await lag(stack),
            "rss_mib": dict(rss),
        }
    finally:
        stack.stop()
    await cleanup(stack, set(sent))
    return report


def _latencies(sent: dict[str, float], seen: dict[str, float]) -> dict[str, float]:
    values = [(seen[i] - t) * 1000 for i, t in sent.items() if i in seen]
    return {"p50": round(pct(values, 0.5), 1), "p99": round(pct(values, 0.99), 1),
            "max": round(max(values), 1) if values else float("nan"), "n": len(values)}


def print_report(report: dict) -> None:
    e2e = report["e2e_ms"]
    print(f"soak: {report['minutes']:g} min at {report['rate_per_s']:g}/s: "  # noqa: T201
          f"{report['accepted']} accepted, refused {report['refused'] or 0}, "
          f"skipped ticks {report['skipped_ticks']}")
    print(f"end-to-end ms: p50 {e2e['p50']}  p99 {e2e['p99']}  max {e2e['max']}  "  # noqa: T201
          f"(n={e2e['n']})")
    print(f"lost {report['lost']}  stuck {report['stuck']}  "  # noqa: T201
          f"final on documents.results {report['final_on_results_topic']}  "
          f"others {report['not_on_results_topic']}")
    print(f"redis keys left {report['redis_keys_left']}  "  # noqa: T201
          f"consumer lag {report['consumer_lag']}")
    names = sorted({n for sample in report["rss_mib"].values() for n in sample})
    print("RSS MiB".ljust(12) + "".join(n[:14].rjust(15) for n in names))  # noqa: T201
    for label, sample in report["rss_mib"].items():
        print(label.ljust(12) + "".join(  # noqa: T201
            f"{sample[n]:15.1f}" if n in sample else "-".rjust(15) for n in names))
    print(json.dumps(report))  # noqa: T201


def main() -> int:
    report = asyncio.run(soak())
    print_report(report)
    return 0 if report["lost"] == 0 and report["stuck"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

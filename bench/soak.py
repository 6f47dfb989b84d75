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
import io
import json
import os
import sys
import time

import httpx
import pymupdf
from aiokafka import AIOKafkaConsumer

from bench.soak_stack import Stack, cleanup, lag, redis_left, rss_mib
from topics import catalogue

MAX_IN_FLIGHT = 32  # uploads waiting for their 202; beyond it a tick is skipped, not queued
FINAL = {"completed", "failed", "cancelled"}
WARM_UP = 9_999_990  # a JPEG and a PDF (see make_document)


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


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name) or default)


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
        await cleanup(stack, set(sent))  # also after a failure: the broker is shared
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

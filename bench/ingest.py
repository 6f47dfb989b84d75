"""Ingest: uploads/s of our API against a bare endpoint that only reads the multipart body.

Both run as one uvicorn process on loopback and get the same documents from the same client,
alternating in rounds after one untimed round each (connection pools filled, every code path
run once, as on a server that has been up for a while). Ours validates, stores the bytes,
writes the status record and waits for Kafka's ack before it answers 202; nothing consumes
the topic during this measurement.
"""

from __future__ import annotations

import asyncio
import time
from statistics import median

from bench import docs as docmix
from bench.client import Sent, api_client, post_all
from bench.stats import percentile, r1, r3

PATH = "/v1/documents"


async def _round(url: str, docs: list[docmix.Doc], concurrency: int) -> tuple[float, list[Sent]]:
    async with api_client(url, concurrency) as client:
        await post_all(client, PATH, docs[:concurrency], concurrency)  # connections open
        began = time.perf_counter()
        sent = await post_all(client, PATH, docs[concurrency:], concurrency)
        elapsed = time.perf_counter() - began
    ok = [s for s in sent if s.status == 202]
    return len(ok) / elapsed, sent


async def compare(ours: str, bare: str, n: int, concurrency: int, rounds: int,
                  start: int) -> dict:
    rates: dict[str, list[float]] = {"ours": [], "bare": []}
    accept: dict[str, list[float]] = {"ours": [], "bare": []}
    errors = {"ours": 0, "bare": 0}
    warm = docmix.mix(n // 2 + concurrency, start + rounds * (n + 100))  # past the rounds' docs
    for url in (ours, bare):  # untimed: pools filled, code paths warm
        await _round(url, warm, concurrency)
    for r in range(rounds):
        docs = docmix.mix(n + concurrency, start + r * (n + 100))  # the same bytes for both
        order = (("ours", ours), ("bare", bare))
        for name, url in order if r % 2 == 0 else order[::-1]:  # drift favours neither
            rate, sent = await _round(url, docs, concurrency)
            rates[name].append(rate)
            accept[name] += [s.accept_ms for s in sent if s.status == 202]
            errors[name] += sum(s.status != 202 for s in sent)
    ratios = [o / b for o, b in zip(rates["ours"], rates["bare"], strict=True)]
    return {
        "uploads_per_round": n, "rounds": rounds, "warm_up_uploads": n // 2,
        "concurrency": concurrency,
        "ours_uploads_per_s": r1(median(rates["ours"])),
        "bare_uploads_per_s": r1(median(rates["bare"])),
        "ours_accept_p99_ms": r1(percentile(accept["ours"], 99)),
        "bare_accept_p99_ms": r1(percentile(accept["bare"], 99)),
        "ours_accept_p50_ms": r1(percentile(accept["ours"], 50)),
        "bare_accept_p50_ms": r1(percentile(accept["bare"], 50)),
        "errors": errors, "ratio": r3(median(ratios)), "ratios": [r3(x) for x in ratios],
    }


def measure(ours: str, bare: str, n: int, concurrency: int, rounds: int, start: int) -> dict:
    return asyncio.run(compare(ours, bare, n, concurrency, rounds, start))

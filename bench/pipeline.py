"""The pipeline through the real stack: throughput, latency, overhead at low load, a burst.

Each function takes a running stack (API URL) and the Redis watcher; `run.py` starts them.
"""

from __future__ import annotations

import time

import httpx

from bench import docs as docmix
from bench.client import Sent, Watcher, post, post_all, post_paced
from bench.stats import latency_summary, percentile, r1, r3, steady_rate

PATH = "/v1/documents"


async def warm_up(client: httpx.AsyncClient, watcher: Watcher, start: int) -> None:
    """One document of each kind, one at a time: the worker joined, its pool is spawned."""
    for doc in docmix.mix(len(docmix.KINDS), start):
        sent = await post(client, PATH, doc)
        if sent.doc_id is None:
            raise RuntimeError(f"warm-up upload failed: HTTP {sent.status} {sent.body}")
        if not await watcher.wait([sent.doc_id], 120):
            raise TimeoutError("warm-up document did not complete in 120 s")


async def warm_pool(client: httpx.AsyncClient, watcher: Watcher, processes: int,
                    start: int) -> None:
    """Two scans per pool process at once: every process has loaded the OCR models (one at a
    time, as `warm_up` sends them, keeps the pool's other processes cold)."""
    scans = [docmix.make("scan", start + i) for i in range(2 * processes)]
    sent = await post_all(client, PATH, scans, len(scans))
    if not await watcher.wait(_accepted(sent), 120):
        raise TimeoutError("warm-up scans did not complete in 120 s")


def _accepted(sent: list[Sent]) -> list[str]:
    return [s.doc_id for s in sent if s.doc_id]


async def overhead(client: httpx.AsyncClient, watcher: Watcher, n: int, start: int,
                   llm_ms: dict[str, float], nominal_ms: float) -> dict:
    """One document at a time: upload-to-completed minus L minus preprocess compute.

    L is the fake LLM's measured response time for that kind of document (`calibrate`);
    `overhead_nominal` subtracts the configured L instead.
    """
    rows = []
    for doc in docmix.mix(n, start):
        sent = await post(client, PATH, doc)
        if sent.doc_id is None or not await watcher.wait([sent.doc_id], 60):
            raise RuntimeError(f"sequential document failed: HTTP {sent.status}")
        rows.append(breakdown(sent, watcher, llm_ms[doc.kind], nominal_ms))
    keys = ("total", "overhead", "overhead_nominal", "accept", "to_preprocess",
            "preprocess_hop", "extract_hop", "preprocess_ms")
    out: dict = {k: r1(percentile([r[k] for r in rows], 50)) for k in keys}
    out["by_kind"] = {kind: r1(percentile([r["overhead"] for r in rows if r["kind"] == kind], 50))
                      for kind in docmix.KINDS}
    out["overhead_p95_ms"] = r1(percentile([r["overhead"] for r in rows], 95))
    out["llm_ms"] = llm_ms
    out["n"] = n
    return out


def breakdown(sent: Sent, watcher: Watcher, llm_ms: float, nominal_ms: float) -> dict:
    """Milliseconds between the events of one document, as the client saw them."""
    assert sent.doc_id is not None
    ev = watcher.events[sent.doc_id]
    record = watcher.final[sent.doc_id]
    total = (watcher.done_at(sent.doc_id) - sent.started) * 1000
    pre = record["timings_ms"].get("preprocess", 0.0)
    ms = lambda a, b: (b - a) * 1000  # noqa: E731
    return {
        "kind": sent.doc.kind, "total": total, "overhead": total - llm_ms - pre,
        "overhead_nominal": total - nominal_ms - pre, "preprocess_ms": pre,
        "accept": sent.accept_ms,
        "to_preprocess": ms(sent.started, ev.get("preprocessing", sent.answered)),
        "preprocess_hop": ms(ev.get("preprocessing", 0), ev.get("extracting", 0)),
        "extract_hop": ms(ev.get("extracting", 0), watcher.done_at(sent.doc_id)),
    }


async def saturate(client: httpx.AsyncClient, watcher: Watcher, n: int, start: int,
                   concurrency: int, timeout: float) -> dict:
    """Upload `n` documents as fast as the API takes them; rate of completions in steady state."""
    began = time.perf_counter()
    sent = await post_all(client, PATH, docmix.mix(n, start), concurrency)
    uploaded = time.perf_counter() - began
    ids = _accepted(sent)
    await watcher.wait(ids, timeout)
    done = [watcher.done_at(i) for i in ids if i in watcher.final]
    completed = [i for i in ids if watcher.final.get(i, {}).get("status") == "completed"]
    latencies = [(watcher.done_at(s.doc_id) - s.started) * 1000 for s in sent
                 if s.doc_id in watcher.final]
    return {
        "n": n, "accepted": len(ids), "completed": len(completed),
        "docs_per_s": r3(steady_rate(done)), "upload_s": r1(uploaded),
        "latency": latency_summary(latencies),
        "wall_s": r1(max(done, default=began) - began),
    }


async def paced(client: httpx.AsyncClient, watcher: Watcher, n: int, start: int, rate: float,
                timeout: float) -> dict:
    """Open-loop load at `rate` documents/s: latency when the stack keeps up."""
    sent = await post_paced(client, PATH, docmix.mix(n, start), rate)
    ids = _accepted(sent)
    await watcher.wait(ids, timeout)
    latencies = [(watcher.done_at(s.doc_id) - s.started) * 1000 for s in sent
                 if s.doc_id in watcher.final]
    return {"rate": rate, "n": n, "accepted": len(ids), "latency": latency_summary(latencies)}


async def burst(client: httpx.AsyncClient, watcher: Watcher, docs: list[docmix.Doc],
                concurrency: int, timeout: float) -> dict:
    """The burst: count 202s, wait until each accepted id is final, lost = accepted - completed."""
    began = time.perf_counter()
    sent = await post_all(client, PATH, docs, concurrency)
    ids = _accepted(sent)
    await watcher.wait(ids, timeout)
    stored = await watcher.stored_final(ids)
    completed = [i for i in ids if stored.get(i) == "completed"]
    finished = [watcher.done_at(i) for i in completed if i in watcher.final]
    end = max(finished, default=time.perf_counter())
    return {
        "sent": len(docs), "accepted": len(ids), "rejected": len(docs) - len(ids),
        "completed": len(completed), "failed": sum(v == "failed" for v in stored.values()),
        "lost": len(ids) - len(completed),
        "docs_per_s": r3(len(completed) / (end - began)) if completed else 0.0,
        "wall_s": r1(end - began),
        "accept": latency_summary([s.accept_ms for s in sent]),
        "latency": latency_summary([(watcher.done_at(s.doc_id) - s.started) * 1000
                                    for s in sent if s.doc_id in watcher.final]),
    }

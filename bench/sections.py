"""One function per part of the benchmark; each starts what it needs and stops it after."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench import calibrate, engine, ingest, pipeline, preprocess, sync_baseline
from bench import docs as docmix
from bench.client import Watcher, api_client
from bench.stack import Procs, StackConfig, delete_topics, make_topics
from bench.stats import r3
from topics.codec import encode
from topics.models import Submitted


@dataclass(frozen=True)
class Scale:
    sequential: int  # documents one at a time, for the overhead figure
    saturate: int  # documents in the steady-state throughput runs
    paced: int  # documents at half the bound, for latency when the stack keeps up
    burst: int  # the burst both designs get
    ocr: int  # documents in the OCR-on throughput run
    pre_docs: int  # image-only PDFs per preprocess round (3 pages each)
    pre_rounds: int
    ingest: int  # uploads per ingest round
    ingest_rounds: int
    warm_messages: int  # sent one at a time to the broker before anything is measured
    crash: int = 200  # the burst that is killed mid-way (bench/failures.py), each side
    overload: int = 360  # the burst that queues past the peer's client timeout, each side
    outage_rate: float = 2.0  # documents/s each side during the provider-outage run


SCALES = {
    "small": Scale(sequential=45, saturate=240, paced=80, burst=500, ocr=60, pre_docs=20,
                   pre_rounds=7, ingest=480, ingest_rounds=7, warm_messages=20_000),
    "full": Scale(sequential=120, saturate=800, paced=300, burst=500, ocr=90, pre_docs=40,
                  pre_rounds=7, ingest=1000, ingest_rounds=5, warm_messages=60_000, crash=500,
                  overload=900, outage_rate=4.0),
}
BURST_CONCURRENCY = 100
UPLOAD_CONCURRENCY = 16
CLIENT_TIMEOUT = 60.0
SEQ = iter(range(10_000_000, 10**9, 100_000))  # document numbers: every section its own range


def bound(workers: int, ai_limit: int, latency_ms: float) -> float:
    return workers * ai_limit / (latency_ms / 1000)


def run_stack(logdir: Path, cfg: StackConfig, fake: str, workers: int, body,
              procs: Procs | None = None) -> dict:
    """Topics, API and `workers` workers for `cfg`; `body(client, watcher)` measures.

    Pass an empty `procs` to reach the processes from `body` (to kill or add some)."""
    make_topics(cfg)
    procs = procs or Procs(logdir)
    try:
        url = procs.api(cfg, fake)
        for index in range(workers):
            procs.worker(cfg, fake, index)

        async def go() -> dict:
            async with Watcher(cfg.redis_url) as watcher, \
                    api_client(url, BURST_CONCURRENCY, CLIENT_TIMEOUT) as client:
                await pipeline.warm_up(client, watcher, next(SEQ))
                for _ in range(workers - 1):  # every worker's pool spawned too
                    await pipeline.warm_up(client, watcher, next(SEQ))
                return await body(client, watcher)

        return asyncio.run(go())
    finally:
        procs.stop_all()
        delete_topics(cfg)


def pipeline_one_worker(logdir: Path, cfg: StackConfig, fake: str, s: Scale) -> dict:
    lat = cfg.latency_ms

    async def body(client: httpx.AsyncClient, watcher: Watcher) -> dict:
        out: dict = {"workers": 1, "bound_docs_per_s": bound(1, cfg.ai_limit, lat)}
        llm_ms = await asyncio.to_thread(calibrate.llm_latency, fake)
        out["sequential"] = await pipeline.overhead(client, watcher, s.sequential, next(SEQ),
                                                    llm_ms, lat)
        out["saturated"] = await pipeline.saturate(client, watcher, s.saturate, next(SEQ),
                                                   UPLOAD_CONCURRENCY, 300)
        out["paced"] = await pipeline.paced(client, watcher, s.paced, next(SEQ),
                                            out["bound_docs_per_s"] / 2, 120)
        burst_docs = docmix.mix(s.burst, next(SEQ))
        out["burst"] = await pipeline.burst(client, watcher, burst_docs, BURST_CONCURRENCY, 300)
        return out

    return run_stack(logdir, cfg, fake, 1, body)


def overhead_only(logdir: Path, cfg: StackConfig, fake: str, s: Scale) -> dict:
    """The sequential part of `pipeline_one_worker` alone, to measure a change quickly."""

    async def body(client: httpx.AsyncClient, watcher: Watcher) -> dict:
        llm_ms = await asyncio.to_thread(calibrate.llm_latency, fake)
        return await pipeline.overhead(client, watcher, s.sequential, next(SEQ), llm_ms,
                                       cfg.latency_ms)

    return run_stack(logdir, cfg, fake, 1, body)


def pipeline_throughput(logdir: Path, cfg: StackConfig, fake: str, workers: int,
                        n: int) -> dict:
    async def body(client: httpx.AsyncClient, watcher: Watcher) -> dict:
        if cfg.ocr:  # as the raw loop's pool: every process warm, its models loaded
            pool = cfg.settings().preprocess_workers or os.cpu_count() or 1
            await pipeline.warm_pool(client, watcher, pool, next(SEQ))
        sat = await pipeline.saturate(client, watcher, n, next(SEQ), UPLOAD_CONCURRENCY, 600)
        limit = bound(workers, cfg.ai_limit, cfg.latency_ms)
        return {"workers": workers, "ocr": cfg.ocr, "bound_docs_per_s": limit, "saturated": sat,
                "ratio_to_bound": r3(sat["docs_per_s"] / limit)}

    return run_stack(logdir, cfg, fake, workers, body)


def raw_engine(cfg: StackConfig, n: int, sequential: int) -> dict:
    messages = []
    for i, doc in enumerate(docmix.mix(n + sequential, next(SEQ))):
        doc_id = f"engine-{cfg.tag}-{i}"
        value = encode(Submitted(id=doc_id, schema="invoice", content_type=doc.content_type,
                                 blob=f"blob:{doc_id}:source", filename=doc.filename))
        messages.append((doc_id.encode(), value))
    try:
        return asyncio.run(engine.measure(cfg, messages, sequential, cfg.latency_ms,
                                          cfg.ai_limit))
    finally:
        delete_topics(cfg)


def preprocess_ratio(cfg: StackConfig, s: Scale) -> dict:
    make_topics(cfg)
    try:
        return preprocess.measure(cfg, s.pre_docs, 3, s.pre_rounds)
    finally:
        delete_topics(cfg)


def ingest_ratio(logdir: Path, cfg: StackConfig, s: Scale) -> dict:
    make_topics(cfg)
    procs = Procs(logdir)
    try:
        ours = procs.api(cfg, "http://127.0.0.1:9")  # no worker: the edge alone
        bare = procs.uvicorn("bare", "bench.bare_app:app", 1, dict(os.environ))
        return ingest.measure(ours, bare, s.ingest, UPLOAD_CONCURRENCY, s.ingest_rounds,
                              next(SEQ))
    finally:
        procs.stop_all()
        delete_topics(cfg)


def sync_peer(logdir: Path, cfg: StackConfig, fake: str, scope: str, n: int) -> dict:
    procs = Procs(logdir)
    try:
        url = sync_baseline.start(procs, cfg, fake, scope, 4)
        out = sync_baseline.describe(scope, 4, cfg.ai_limit)
        out["client"] = {"concurrency": BURST_CONCURRENCY, "timeout_s": CLIENT_TIMEOUT}
        out.update(sync_baseline.burst(url, docmix.mix(n, next(SEQ)), BURST_CONCURRENCY,
                                       CLIENT_TIMEOUT))
        return out
    finally:
        procs.stop_all()

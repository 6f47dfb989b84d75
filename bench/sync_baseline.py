"""The synchronous peer under the same burst as the pipeline: throughput, p99, failures, lost.

A request that does not answer 200 within the client's timeout (60 s, as a user's client
would wait) failed, and its document never got a result: for this design, lost = failed.
"""

from __future__ import annotations

import asyncio
import os
import time

from bench import docs as docmix
from bench.client import api_client, post_all
from bench.stack import ROOT, Procs, StackConfig
from bench.stats import latency_summary, r1, r3
from bench.sync_app import reset_tokens

PATH = "/v1/extract"


def peer_env(cfg: StackConfig, fake_url: str, scope: str) -> dict[str, str]:
    env = cfg.env(fake_url) | {"SYNC_AI_SCOPE": scope, "PYTHONPATH": str(ROOT)}
    return env | {"LOG_LEVEL": "WARNING"}


def start(procs: Procs, cfg: StackConfig, fake_url: str, scope: str, workers: int) -> str:
    if scope == "global":
        asyncio.run(reset_tokens(cfg.redis_url, cfg.ai_limit))
    return procs.uvicorn(f"sync-{scope}", "bench.sync_app:build", workers,
                         peer_env(cfg, fake_url, scope), factory=True)


async def _burst(url: str, docs: list[docmix.Doc], concurrency: int, timeout: float) -> dict:
    async with api_client(url, concurrency, timeout=timeout) as client:
        began = time.perf_counter()
        sent = await post_all(client, PATH, docs, concurrency, ok=200)
        wall = time.perf_counter() - began
    ok = [s for s in sent if s.status == 200]
    timeouts = sum(s.status == 0 for s in sent)
    return {
        "sent": len(docs), "completed": len(ok), "failed": len(docs) - len(ok),
        "timeouts": timeouts, "errors": len(docs) - len(ok) - timeouts,
        "lost": len(docs) - len(ok), "docs_per_s": r3(len(ok) / wall), "wall_s": r1(wall),
        "latency": latency_summary([s.accept_ms for s in ok]),
    }


def burst(url: str, docs: list[docmix.Doc], concurrency: int, timeout: float) -> dict:
    return asyncio.run(_burst(url, docs, concurrency, timeout))


def describe(scope: str, workers: int, ai_limit: int) -> dict:
    total = ai_limit * workers if scope == "process" else ai_limit
    return {"processes": workers, "ai_limit_scope": scope, "ai_calls_in_flight_max": total,
            "cpu_count": os.cpu_count()}

"""The failure comparison: the pipeline and the synchronous peer under a crash, an overload and
a provider outage, counted in one run (`failure_comparison` in latest.json).

Both sides get the same AI concurrency: our one worker holds MAX_CONCURRENT_AI_REQUESTS (10)
calls in flight; the peer's 4 processes share 10 slots (SYNC_AI_SCOPE=global). A client waits
60 s for an answer. Ours loses a document when it answered 202 and never stored `completed`;
the peer loses a request that got no 200.

- crash: every client sends at once; when a quarter have their result, kill -9 every serving
  process (ours: API and worker with its pool; peer: the uvicorn master and its 4 processes),
  restart them, and wait for what is left. The peer's turn (same documents) runs while our
  restarted worker waits out its dead predecessor's Kafka session.
- overload: both sides get the same burst at the same moment from a fake LLM slow enough
  (OVERLOAD_LATENCY_MS) that 10 slots need more than 60 s for it: the peer's clients time out,
  ours hold a 202 and an id while the worker drains the queue.
- outage: both sides get the same paced load while the fake LLM answers 503 for OUTAGE_S; ours
  retries, dead-letters what still fails, and `doc-extractor dlq replay` re-runs it afterwards.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from bench import docs as docmix
from bench import sync_baseline
from bench.client import Sent, Watcher, api_client, post_all, post_paced
from bench.pipeline import PATH
from bench.sections import CLIENT_TIMEOUT, SEQ, Scale, run_stack
from bench.stack import ROOT, Procs, StackConfig, wait_http
from bench.stats import r1, r3
from bench.sync_app import reset_tokens

SCOPE, PEER_PROCESSES = "global", 4  # 4 processes, 10 AI slots in all: ours has 10 too
KILL_AT = 0.25  # share of the burst with a result when everything is killed
OVERLOAD_LATENCY_MS = 2000.0  # 10 slots -> 5 documents/s: 300 fit in the peer's 60 s
OUTAGE_S, OUTAGE_LEAD_S = 60.0, 5.0  # 503s for 60 s, with 5 s of load before and after
SETTLE_S = 240.0  # at most this long for the accepted documents to be final


def ours_tally(sent: list[Sent], stored: dict[str, str]) -> dict:
    """Uploads answered 202, and of those the ones the store never marked completed (lost)."""
    ids = [s.doc_id for s in sent if s.doc_id]
    completed = sum(stored.get(i) == "completed" for i in ids)
    return {"sent": len(sent), "accepted": len(ids), "refused": len(sent) - len(ids),
            "completed": completed, "lost": len(ids) - completed}


def peer_tally(sent: list[Sent], timeout: float, killed_at: float | None = None) -> dict:
    """Requests answered 200; failed: the rest, as timeouts (no answer within `timeout`) and
    errors. With `killed_at`, lost: the failed requests that were sent before the kill."""
    failed = [s for s in sent if s.status != 200]
    timeouts = sum(s.status == 0 and s.answered - s.started >= timeout - 0.5 for s in failed)
    cut = [s for s in failed if killed_at is None or s.started < killed_at]
    return {"sent": len(sent), "completed": len(sent) - len(failed), "failed": len(failed),
            "timeouts": timeouts, "errors": len(failed) - timeouts, "lost": len(cut)}


async def _until(ready: Callable[[], bool], timeout: float) -> bool:
    deadline = time.perf_counter() + timeout
    while not ready():
        if time.perf_counter() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


def _base(client: httpx.AsyncClient) -> str:
    return str(client.base_url).rstrip("/")


def _drain(watcher: Watcher, ids: list[str], began: float) -> float:
    done = [watcher.events[i]["completed"] for i in ids if "completed" in watcher.events.get(i, {})]
    return r1(max(done, default=began) - began)


def crash_ours(logdir: Path, cfg: StackConfig, fake: str, docs: list[docmix.Doc],
               meanwhile: Callable[[], dict]) -> dict:
    """Ours under the kill; `meanwhile()` runs (in a thread) while our restarted worker waits
    for Kafka to drop its dead predecessor from the group (the 60 s session timeout)."""
    procs, n = Procs(logdir), len(docs)

    async def body(warm: httpx.AsyncClient, watcher: Watcher) -> dict:
        serving = list(procs.started)  # the API and the worker
        async with api_client(_base(warm), n, CLIENT_TIMEOUT) as client:
            began = time.perf_counter()
            sent = await post_all(client, PATH, docs, n)
        ids = [s.doc_id for s in sent if s.doc_id]
        await _until(lambda: sum(i in watcher.final for i in ids) >= n * KILL_AT, 120)
        before = sum(i in watcher.final for i in ids)
        killed = time.perf_counter()
        for proc in serving:
            proc.crash()
        for proc in serving:
            proc.start()
        await asyncio.to_thread(wait_http, f"{_base(warm)}/ready")
        other = await asyncio.to_thread(meanwhile)
        await watcher.wait(ids, SETTLE_S)
        out = ours_tally(sent, await watcher.stored_final(ids))
        uploading = sum(s.started < killed and s.status == 0 for s in sent)
        return {"ours": out | {
            "final_before_kill": before, "uploads_cut_by_kill": uploading,
            "restarted": [p.name for p in serving],
            "drain_after_kill_s": r1(_drain(watcher, ids, began) - (killed - began))},
            "meanwhile": other}

    return run_stack(logdir, cfg, fake, 1, body, procs=procs)


def crash_peer(logdir: Path, cfg: StackConfig, fake: str, docs: list[docmix.Doc]) -> dict:
    with Procs(logdir) as procs:
        url = sync_baseline.start(procs, cfg, fake, SCOPE, PEER_PROCESSES)
        return asyncio.run(_crash_peer(url, list(procs.started), cfg, docs))


async def _crash_peer(url: str, serving: list, cfg: StackConfig, docs: list[docmix.Doc]) -> dict:
    answered, n, began = 0, len(docs), time.perf_counter()

    async def count(response: httpx.Response) -> None:
        nonlocal answered
        answered += response.status_code == 200

    async with api_client(url, n, CLIENT_TIMEOUT) as client:
        client.event_hooks = {"response": [count]}
        task = asyncio.create_task(post_all(client, sync_baseline.PATH, docs, n, ok=200))
        await _until(lambda: answered >= n * KILL_AT or task.done(), 120)
        before, killed = answered, time.perf_counter()
        for proc in serving:
            proc.crash()
        sent = await task
    await reset_tokens(cfg.redis_url, cfg.ai_limit)  # the killed processes held some slots
    for proc in serving:
        proc.start()
    await asyncio.to_thread(wait_http, f"{url}/health")
    return peer_tally(sent, CLIENT_TIMEOUT, killed) | {
        "completed_before_kill": before, "restarted": [p.name for p in serving],
        "wall_s": r1(time.perf_counter() - began)}


def overload(logdir: Path, cfg: StackConfig, slow_fake: str, docs: list[docmix.Doc]) -> dict:
    procs, n = Procs(logdir), len(docs)

    async def body(warm: httpx.AsyncClient, watcher: Watcher) -> dict:
        url = await asyncio.to_thread(sync_baseline.start, procs, cfg, slow_fake, SCOPE,
                                      PEER_PROCESSES)
        peer_proc = procs.started[-1]
        async with api_client(_base(warm), n, CLIENT_TIMEOUT) as ours, \
                api_client(url, n, CLIENT_TIMEOUT) as theirs:
            began = time.perf_counter()
            sent, peer_sent = await asyncio.gather(
                post_all(ours, PATH, docs, n),
                post_all(theirs, sync_baseline.PATH, docs, n, ok=200))
        peer_wall = time.perf_counter() - began
        peer_proc.crash()  # no client waits on it now: its abandoned work stops here
        ids = [s.doc_id for s in sent if s.doc_id]
        await watcher.wait(ids, SETTLE_S)
        drain = _drain(watcher, ids, began)
        late = sum(watcher.events[i]["completed"] - began > CLIENT_TIMEOUT for i in ids
                   if "completed" in watcher.events.get(i, {}))
        return {"ours": ours_tally(sent, await watcher.stored_final(ids))
                | {"drain_s": drain, "results_after_60_s": late},
                "peer": peer_tally(peer_sent, CLIENT_TIMEOUT) | {"wall_s": r1(peer_wall)}}

    return run_stack(logdir, cfg, slow_fake, 1, body, procs=procs)


def outage(logdir: Path, cfg: StackConfig, fake: str, docs: list[docmix.Doc],
           rate: float) -> dict:
    procs, n = Procs(logdir), len(docs)

    async def body(client: httpx.AsyncClient, watcher: Watcher) -> dict:
        url = await asyncio.to_thread(sync_baseline.start, procs, cfg, fake, SCOPE,
                                      PEER_PROCESSES)
        async with api_client(url, n, CLIENT_TIMEOUT) as theirs:
            window = asyncio.create_task(_outage_window(fake))
            sent, peer_sent = await asyncio.gather(
                post_paced(client, PATH, docs, rate),
                post_paced(theirs, sync_baseline.PATH, docs, rate))
            await window
        ids = [s.doc_id for s in sent if s.doc_id]
        await watcher.wait(ids, SETTLE_S)  # completed, or dead-lettered and failed
        before = await watcher.stored_final(ids)
        replayed = await asyncio.to_thread(replay, cfg, fake)
        stored = await _until_completed(watcher, ids, SETTLE_S)
        ours = ours_tally(sent, stored) | {
            "completed_without_replay": sum(v == "completed" for v in before.values()),
            "failed_before_replay": sum(v == "failed" for v in before.values()),
            "replayed": replayed}
        ours["completed_ratio"] = r3(ours["completed"] / ours["accepted"]) if ids else 0.0
        return {"ours": ours, "peer": peer_tally(peer_sent, CLIENT_TIMEOUT)}

    return run_stack(logdir, cfg, fake, 1, body, procs=procs)


async def _outage_window(fake: str) -> None:
    await asyncio.sleep(OUTAGE_LEAD_S)
    async with httpx.AsyncClient() as http:
        reply = await http.post(f"{fake}/_fake/outage",
                                json={"fault": "503", "seconds": OUTAGE_S})
        reply.raise_for_status()


async def _until_completed(watcher: Watcher, ids: list[str], timeout: float) -> dict[str, str]:
    deadline = time.perf_counter() + timeout
    while True:
        stored = await watcher.stored_final(ids)
        if time.perf_counter() > deadline or all(stored.get(i) == "completed" for i in ids):
            return stored
        await asyncio.sleep(1)


def replay(cfg: StackConfig, fake: str) -> int:
    """`doc-extractor dlq replay` against this run's topics; how many it re-published."""
    done = subprocess.run([sys.executable, "-m", "cli.main", "dlq", "replay"], cwd=ROOT,
                          env=cfg.env(fake), capture_output=True, text=True, timeout=120,
                          check=True)
    found = re.search(r"replayed (\d+) dead letter", done.stdout)
    return int(found.group(1)) if found else 0


def run(logdir: Path, cfg: StackConfig, s: Scale) -> dict:
    """The three scenarios; each block holds the contract's two counts, then the detail."""
    same = {"ai_concurrency": cfg.ai_limit, "peer_processes": PEER_PROCESSES,
            "client_timeout_s": CLIENT_TIMEOUT}
    with Procs(logdir) as fakes:
        fake = fakes.fake_llm(cfg.latency_ms)
        slow = fakes.fake_llm(OVERLOAD_LATENCY_MS)
        began = time.perf_counter()
        burst = docmix.mix(s.crash, next(SEQ))  # each side gets the same documents
        both = crash_ours(logdir, cfg.fresh(), fake, burst,
                          lambda: crash_peer(logdir, cfg.fresh(), fake, burst))
        crashed = {"ours": both["ours"], "peer": both["meanwhile"]}
        crash = {"ours_lost": crashed["ours"]["lost"], "peer_lost": crashed["peer"]["lost"],
                 "n": s.crash, "latency_ms": cfg.latency_ms, **same, **crashed,
                 "wall_s": r1(time.perf_counter() - began)}
        began = time.perf_counter()
        over = overload(logdir, cfg.fresh(), slow, docmix.mix(s.overload, next(SEQ)))
        overloaded = {"ours_lost": over["ours"]["lost"], "peer_failed": over["peer"]["failed"],
                      "ours_drain_s": over["ours"]["drain_s"], "n": s.overload,
                      "latency_ms": OVERLOAD_LATENCY_MS, **same, **over,
                      "wall_s": r1(time.perf_counter() - began)}
        began = time.perf_counter()
        paced = docmix.mix(round(s.outage_rate * (OUTAGE_S + 2 * OUTAGE_LEAD_S)), next(SEQ))
        down = outage(logdir, cfg.fresh(), fake, paced, s.outage_rate)
        outaged = {"ours_completed_ratio": down["ours"]["completed_ratio"],
                   "peer_failed": down["peer"]["failed"], "outage_s": OUTAGE_S,
                   "rate_per_s": s.outage_rate, "latency_ms": cfg.latency_ms, **same, **down,
                   "wall_s": r1(time.perf_counter() - began)}
    return {"crash": crash, "overload": overloaded, "outage": outaged}

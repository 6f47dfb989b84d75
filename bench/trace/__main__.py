"""`python -m bench.trace`: where one document's time goes, step by step, across processes.

Starts the fake LLM, an API and a worker (as `make bench` does) with bench/trace on their
PYTHONPATH, whose sitecustomize wraps the steps it lists and logs their start and end. Sends
BENCH_TRACE_N documents (30 by default) one at a time and prints, per kind, the median start
and duration of every step in ms from the upload's start, then the Kafka hops split into
broker (publish until the consumer thread has the fetch) and Faust (until the agent has it);
hop 3 is documents.results to the store agent, off the path a client waits on. The
`completed` line is when the client has the completed event, against when the worker's final
store write returns.
The probe's own writes add a little to every step: compare steps, not totals, with make bench.
"""

from __future__ import annotations

import asyncio
import bisect
import os
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from statistics import median

from bench import docs as docmix
from bench import pipeline
from bench.client import Watcher, api_client, post
from bench.stack import ROOT, Procs, StackConfig, delete_topics, make_topics

Span = tuple[float, float, str]  # start, end, step


async def _send(url: str, redis_url: str, n: int) -> list[tuple[str, str, str, float, dict]]:
    rows = []
    async with Watcher(redis_url) as watcher, api_client(url, 1) as client:
        await pipeline.warm_up(client, watcher, 5_000_000)
        for i, doc in enumerate(docmix.mix(n, 5_100_000)):
            client.headers["X-Request-ID"] = f"trace{i}"
            sent = await post(client, pipeline.PATH, doc)
            if sent.doc_id is None or not await watcher.wait([sent.doc_id], 60):
                raise RuntimeError(f"document failed: HTTP {sent.status}")
            events = {f"event.{k}": v for k, v in watcher.events[sent.doc_id].items()}
            events["client.answered"] = sent.answered
            rows.append((doc.kind, sent.doc_id, f"trace{i}", sent.started, events))
    return rows


def _read(path: Path) -> dict[str, list[Span]]:
    spans: dict[str, list[Span]] = defaultdict(list)
    for line in path.read_text().splitlines():
        _pid, name, key, t0, t1 = line.split()
        spans[key].append((float(t0), float(t1), name))
    return spans


def report(rows, spans: dict[str, list[Span]]) -> str:
    steps: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    hops: dict[str, list[float]] = defaultdict(list)
    fetched = sorted(t1 for t0, t1, name in spans.get("-", []) if name.endswith("fetch_request"))
    for kind, doc_id, request_id, started, events in rows:
        mine = sorted(spans.get(doc_id, []) + spans.get(request_id, []))
        seen: Counter[str] = Counter()
        for t0, t1, name in mine:
            seen[name] += 1
            steps[(kind, f"{name}#{seen[name]}")].append(((t0 - started) * 1e3, (t1 - t0) * 1e3))
        for name, at in events.items():
            steps[(kind, name)].append(((at - started) * 1e3, 0.0))
        sends = [t0 for t0, _, n in mine if n in ("Publisher.publish", "StageContext.publish")]
        arrivals = [t0 for t0, _, n in mine if n == "incoming"]
        for hop, (sent, arrived) in enumerate(zip(sends, arrivals, strict=False), 1):
            fetch = fetched[min(bisect.bisect(fetched, sent), len(fetched) - 1)]
            hops[f"hop {hop}: publish -> consumer thread has it"].append((fetch - sent) * 1e3)
            hops[f"hop {hop}: consumer thread -> agent"].append((arrived - fetch) * 1e3)
        if (done := events.get("event.completed")) is not None:
            writes = [t1 for t0, t1, n in mine if n == "ResultStore.write" and t0 <= done]
            if writes:  # the last write begun before the event is the one that published it
                hops["completed: final write returns -> client has the event"].append(
                    (done - writes[-1]) * 1e3)
    lines = []
    for kind in docmix.KINDS:
        lines.append(f"== {kind}: start, duration (ms from the upload's start; medians)")
        ordered = sorted((median(a for a, _ in v), median(b for _, b in v), name, len(v))
                         for (k, name), v in steps.items() if k == kind)
        lines += [f"  {a:8.2f} {b:8.2f}  {name} (n={n})" for a, b, name, n in ordered]
    lines += [f"{name}: {median(v):.2f} ms (n={len(v)})" for name, v in sorted(hops.items())]
    return "\n".join(lines)


def main() -> None:
    n = int(os.environ.get("BENCH_TRACE_N", "30"))
    logdir = Path(tempfile.mkdtemp(prefix="doc-extractor-trace-"))
    out = logdir / "trace.txt"
    probe = Path(__file__).parent
    cfg = StackConfig().fresh(extra=(("PYTHONPATH", f"{probe}:{ROOT}"),
                                     ("BENCH_TRACE_OUT", str(out))))
    make_topics(cfg)
    with Procs(logdir) as procs:
        try:
            fake = procs.fake_llm(cfg.latency_ms)
            url = procs.api(cfg, fake)
            procs.worker(cfg, fake)
            rows = asyncio.run(_send(url, cfg.redis_url, n))
        finally:
            procs.stop_all()
            delete_topics(cfg)
    print(report(rows, _read(out)))  # noqa: T201
    print(f"raw spans: {out}")  # noqa: T201


if __name__ == "__main__":
    main()

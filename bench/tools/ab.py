"""`python -m bench.tools.ab`: one-document-at-a-time overhead of two stacks, interleaved.

Stack A runs this checkout. Stack B runs BENCH_AB_ROOT (another checkout, for example
`git worktree add /tmp/before <commit>`) and adds BENCH_AB_ENV ("NAME=value,NAME=value") to its
environment. Documents go A, B, A, B, ... one at a time, so both stacks see the same machine
state; on a shared VM that drifts during an hour, the median of the paired differences is the
figure to trust, not either side's absolute value. Run an A/A comparison (BENCH_AB_ROOT a
worktree of this same commit) the same day: its offset is what one run cannot resolve.

    BENCH_AB_ENV=PRODUCER_LINGER=0.001 BENCH_AB_N=60 python -m bench.tools.ab
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path
from statistics import median

from bench import calibrate, pipeline
from bench import docs as docmix
from bench.client import Watcher, api_client, post
from bench.stack import Procs, StackConfig, delete_topics, make_topics
from bench.stats import r1


def b_environment(root: str, env: str) -> tuple[tuple[str, str], ...]:
    pairs = [tuple(item.split("=", 1)) for item in env.split(",") if "=" in item]
    if root:
        pairs.append(("PYTHONPATH", str(Path(root).resolve())))
    return tuple((k.strip(), v.strip()) for k, v in pairs)


async def _interleave(urls: dict[str, str], redis_url: str, fake: str, n: int) -> dict:
    llm_ms = await asyncio.to_thread(calibrate.llm_latency, fake)
    rows: dict[str, list[dict]] = {name: [] for name in urls}
    async with Watcher(redis_url) as watcher:
        clients = {name: api_client(url, 4) for name, url in urls.items()}
        try:
            docs = {}  # same kinds in the same order, but unique bytes: no deduplication
            for index, (name, client) in enumerate(clients.items()):
                await pipeline.warm_up(client, watcher, 7_000_000 + 1000 * index)
                docs[name] = docmix.mix(n, 8_000_000 + 100_000 * index)
            for i in range(n):
                for name in (list(urls) if i % 2 == 0 else list(urls)[::-1]):
                    doc = docs[name][i]
                    sent = await post(clients[name], pipeline.PATH, doc)
                    if sent.doc_id is None or not await watcher.wait([sent.doc_id], 60):
                        raise RuntimeError(f"{name}: document failed, HTTP {sent.status}")
                    rows[name].append(pipeline.breakdown(sent, watcher, llm_ms[doc.kind], 0))
        finally:
            for client in clients.values():
                await client.aclose()
    keys = ("overhead", "accept", "to_preprocess", "preprocess_hop", "extract_hop")
    out: dict = {name: {k: r1(median(r[k] for r in rs)) for k in keys}
                 for name, rs in rows.items()}
    out["b_minus_a_ms"] = r1(median(b["overhead"] - a["overhead"]
                                    for a, b in zip(rows["A"], rows["B"], strict=True)))
    return out


def main() -> None:
    n = int(os.environ.get("BENCH_AB_N", "60"))
    base = StackConfig(latency_ms=float(os.environ.get("BENCH_LATENCY_MS", "500")))
    b_extra = b_environment(os.environ.get("BENCH_AB_ROOT", ""),
                            os.environ.get("BENCH_AB_ENV", ""))
    configs = {"A": base.fresh(), "B": base.fresh(extra=b_extra)}
    logdir = Path(tempfile.mkdtemp(prefix="doc-extractor-ab-"))
    with Procs(logdir) as procs:
        fake = procs.fake_llm(base.latency_ms)
        urls = {}
        try:
            for name, cfg in configs.items():
                make_topics(cfg)
                urls[name] = procs.api(cfg, fake)
                procs.worker(cfg, fake)
            out = asyncio.run(_interleave(urls, base.redis_url, fake, n))
        finally:
            procs.stop_all()
            for cfg in configs.values():
                delete_topics(cfg)
    print(f"A/B overhead, n={n} each, B = {dict(b_extra)}, logs {logdir}")  # noqa: T201
    for name in ("A", "B"):
        print(f"  {name}: {out[name]}")  # noqa: T201
    print(f"  median(B - A) per pair: {out['b_minus_a_ms']} ms")  # noqa: T201


if __name__ == "__main__":
    main()

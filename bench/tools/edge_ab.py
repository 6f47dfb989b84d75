"""`python -m bench.tools.edge_ab`: the upload edge of two checkouts, side by side.

For a change to the API's upload path, where the ingest ratio of `make bench` is too noisy to
show a few percent: the API of this checkout (A) and of BENCH_AB_ROOT (B, plus BENCH_AB_ENV, as
in `bench.tools.ab`) take turns, BENCH_AB_PAIRS times, each time as a fresh process that gets the
same BENCH_AB_N uploads, 16 at a time, after an untimed warm-up. Reported per side: uploads/s
and the API process's CPU (user + system, from /proc) per upload. Each turn uploads as a
tenant of its own, so the same documents never meet an earlier turn's deduplication keys.

    git worktree add /tmp/before <commit>
    BENCH_AB_ROOT=/tmp/before python -m bench.tools.edge_ab
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path
from statistics import median

from bench import docs as docmix
from bench.client import api_client, post_all
from bench.stack import API_KEY, Procs, StackConfig, delete_topics, make_topics
from bench.stats import r1
from bench.tools.ab import b_environment

CONCURRENCY = 16
TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


async def _turn(url: str, pid: int, warm: list[docmix.Doc], timed: list[docmix.Doc]) -> dict:
    async with api_client(url, CONCURRENCY) as client:
        await post_all(client, "/v1/documents", warm, CONCURRENCY)
        cpu, began = _cpu_seconds(pid), time.perf_counter()
        sent = await post_all(client, "/v1/documents", timed, CONCURRENCY)
        elapsed, cpu = time.perf_counter() - began, _cpu_seconds(pid) - cpu
    accepted = sum(s.status == 202 for s in sent)
    if accepted != len(timed):
        codes = sorted({(s.status, str(s.body)[:120]) for s in sent if s.status != 202})
        raise RuntimeError(f"{len(timed) - accepted} uploads were not accepted: {codes[:3]}")
    return {"uploads_per_s": accepted / elapsed, "cpu_ms_per_upload": cpu * 1000 / accepted}


def main() -> None:
    n = int(os.environ.get("BENCH_AB_N", "2000"))
    pairs = int(os.environ.get("BENCH_AB_PAIRS", "3"))
    extras = {"A": (), "B": b_environment(os.environ.get("BENCH_AB_ROOT", ""),
                                   os.environ.get("BENCH_AB_ENV", ""))}
    docs = docmix.mix(n + 200, 30_000_000)
    logdir = Path(tempfile.mkdtemp(prefix="doc-extractor-edge-ab-"))
    rows: dict[str, list[dict]] = {"A": [], "B": []}
    for pair in range(pairs):
        for side in ("A", "B") if pair % 2 == 0 else ("B", "A"):
            tenant = (("API_KEYS", f"t{pair}{side.lower()}:{API_KEY}"),)
            cfg = StackConfig().fresh(extra=extras[side] + tenant)
            make_topics(cfg)
            procs = Procs(logdir)
            try:
                url = procs.api(cfg, "http://127.0.0.1:9")  # no worker: the edge alone
                pid = procs.started[-1].popen.pid  # type: ignore[union-attr]
                rows[side].append(asyncio.run(_turn(url, pid, docs[n:], docs[:n])))
            finally:
                procs.stop_all()
                delete_topics(cfg)
    print(f"edge A/B, {pairs} pairs of {n} uploads, B = {dict(extras['B'])}, logs {logdir}")  # noqa: T201
    for side, turns in rows.items():
        rate = [r1(t["uploads_per_s"]) for t in turns]
        cpu = [round(t["cpu_ms_per_upload"], 3) for t in turns]
        print(f"  {side}: uploads/s {rate} (median {r1(median(rate))}), "  # noqa: T201
              f"CPU ms per upload {cpu} (median {round(median(cpu), 3)})")


if __name__ == "__main__":
    main()

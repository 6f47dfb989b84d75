"""`python -m bench.run`: every figure of the benchmark in one run, as ratios.

BENCH_SCALE=small|full picks the sizes (small finishes in a few minutes). BENCH_ONLY=a,b runs
only those sections (pipeline, scaling, ocr, engine, preprocess, ingest, sync, failures) and records
them in history.jsonl with BENCH_LABEL, leaving latest.json and BENCHMARKS.md alone;
BENCH_ONLY=overhead is the pipeline's one-document-at-a-time figure on its own. A complete run
checks the guards (`bench.guards`) and exits 1 when one does not hold, after recording it.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import structlog

from bench import failures, guards, machine, ocr, report, sections, warmup
from bench.stack import ROOT, Procs, StackConfig
from bench.stats import r1, r3

RESULTS = ROOT / "bench" / "results"
SECTIONS = ("pipeline", "scaling", "ocr", "engine", "preprocess", "ingest", "sync", "failures")
EXTRA = ("overhead",)  # only on request: already part of "pipeline"
FIGURES = (*(g.key for g in guards.GUARDS), guards.OVERHEAD_BASIS, "overhead_ratio_to_engine",
           "overhead_p50_ms_nominal_l", "extract_ratio_to_engine", "scaling_ratio_2_to_1",
           "ocr_cpu_s_per_page", "ocr_ratio_to_raw")
WARM_SECONDS = 90  # the broker warm-up's cap, whatever the scale asks for


def commit() -> str:
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                             capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "streams", "ingest_api",
                                "config", "topics", "stores", "cli"], cwd=ROOT, text=True,
                               capture_output=True).stdout.strip()
        return sha + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def measure(only: set[str], scale: sections.Scale, logdir: Path, cfg: StackConfig) -> dict:
    out: dict = {"broker_warmup": warmup.broker(cfg.fresh(), scale.warm_messages, WARM_SECONDS)}
    with Procs(logdir) as infra:
        fake = infra.fake_llm(cfg.latency_ms)
        if "pipeline" in only:
            out["pipeline"] = sections.pipeline_one_worker(logdir, cfg.fresh(), fake, scale)
        if "overhead" in only:
            out["overhead"] = sections.overhead_only(logdir, cfg.fresh(), fake, scale)
        if "scaling" in only:
            out["scaling"] = sections.pipeline_throughput(logdir, cfg.fresh(), fake, 2,
                                                          scale.saturate)
        if "ocr" in only:
            out["ocr"] = ocr.measure(logdir, cfg.fresh(ocr=True), fake, scale.ocr)
        if "engine" in only:
            out["engine"] = sections.raw_engine(cfg.fresh(), scale.saturate, scale.sequential)
        if "preprocess" in only:
            out["preprocess"] = sections.preprocess_ratio(cfg.fresh(), scale)
        if "ingest" in only:
            out["ingest"] = sections.ingest_ratio(logdir, cfg.fresh(), scale)
        if "sync" in only:
            sync = sections.sync_peer(logdir, cfg.fresh(), fake, "process", scale.burst)
            sync["global_ai_limit"] = sections.sync_peer(logdir, cfg.fresh(), fake, "global",
                                                         scale.burst)
            out["sync_baseline"] = sync
    if "failures" in only:  # starts its own fake LLMs: one slow, one that goes out of service
        out["failure_comparison"] = failures.run(logdir, cfg, scale)
    return out


def headline(out: dict) -> dict:
    """The contract's keys (see DESIGN.md), computed from the sections that ran."""
    h: dict = {}
    if "pipeline" in out:
        p = out["pipeline"]
        h["extract_ratio_to_bound"] = r3(p["saturated"]["docs_per_s"] / p["bound_docs_per_s"])
        h["overhead_p50_ms"] = p["sequential"]["overhead"]
        h["overhead_p50_ms_nominal_l"] = p["sequential"]["overhead_nominal"]
        h["burst_lost"] = p["burst"]["lost"]
        if "engine" in out:
            h["extract_ratio_to_engine"] = r3(p["saturated"]["docs_per_s"]
                                              / out["engine"]["docs_per_s"])
        if "scaling" in out:
            h["scaling_ratio_2_to_1"] = r3(out["scaling"]["saturated"]["docs_per_s"]
                                           / p["saturated"]["docs_per_s"])
    if "overhead" in out:
        h["overhead_p50_ms"] = out["overhead"]["overhead"]
        h["overhead_p50_ms_nominal_l"] = out["overhead"]["overhead_nominal"]
    if "engine" in out:
        h[guards.OVERHEAD_BASIS] = out["engine"]["overhead"]["p50_ms"]
    if "ocr" in out:
        h["ocr_cpu_s_per_page"] = out["ocr"]["cpu"]["s_per_page"]
        h["ocr_ratio_to_raw"] = out["ocr"]["ratio_to_raw"]
    if "preprocess" in out:
        h["preprocess_ratio_to_raw"] = out["preprocess"]["ratio"]
    if "ingest" in out:
        h["ingest_ratio_to_bare"] = out["ingest"]["ratio"]
    if "overhead_p50_ms" in h and (h.get(guards.OVERHEAD_BASIS) or 0) > 0:
        h["overhead_ratio_to_engine"] = r3(h["overhead_p50_ms"] / h[guards.OVERHEAD_BASIS])
    return h


def main() -> None:
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # retries on new topics are noise
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    scale_name = os.environ.get("BENCH_SCALE", "small")
    scale = sections.SCALES[scale_name]
    only = set(filter(None, os.environ.get("BENCH_ONLY", "").split(","))) or set(SECTIONS)
    unknown = only - set(SECTIONS) - set(EXTRA)
    if unknown:
        raise SystemExit(f"BENCH_ONLY: unknown sections {sorted(unknown)}; know {SECTIONS + EXTRA}")
    latency = float(os.environ.get("BENCH_LATENCY_MS", "500"))
    cfg = StackConfig(latency_ms=latency)
    RESULTS.mkdir(parents=True, exist_ok=True)
    logdir = Path(tempfile.mkdtemp(prefix="doc-extractor-bench-"))
    began, host = time.perf_counter(), machine.describe()
    out = measure(only, scale, logdir, cfg)
    result = {"generated_at": datetime.now(UTC).isoformat(), "scale": scale_name,
              "commit": commit(), "label": os.environ.get("BENCH_LABEL", ""),
              "wall_s": r1(time.perf_counter() - began), "machine": host, "logs": str(logdir),
              "settings": {"latency_ms": latency, "ai_limit": cfg.ai_limit,
                           "ocr_enabled": cfg.ocr, "upload_concurrency":
                           sections.UPLOAD_CONCURRENCY, "burst_concurrency":
                           sections.BURST_CONCURRENCY, "client_timeout_s":
                           sections.CLIENT_TIMEOUT},
              **headline(out), **out}
    complete = only == set(SECTIONS)
    if complete:
        result["guards"] = guards.verdicts(result)
    _record(result, complete)
    print(summary(result))  # noqa: T201
    if complete and (broken := guards.failed(result["guards"])):
        raise SystemExit("bench: guards not held: " + "; ".join(broken))


def _record(result: dict, complete: bool) -> None:
    history = RESULTS / "history.jsonl"
    keys = ["generated_at", "commit", "scale", "label", "wall_s", *FIGURES]
    line = {k: result.get(k) for k in keys} | {"complete": complete}
    if complete:
        line["guards_ok"] = all(v["ok"] for v in result["guards"].values())
    with history.open("a") as fh:
        fh.write(json.dumps(line) + "\n")
    name = "latest.json" if complete else "partial.json"
    (RESULTS / name).write_text(json.dumps(result, indent=2) + "\n")
    if complete:
        report.render(RESULTS, ROOT / "BENCHMARKS.md")


def summary(result: dict) -> str:
    lines = [f"bench: scale={result['scale']} wall={result['wall_s']} s "
             f"commit={result['commit']} logs={result['logs']}"]
    for key in FIGURES:
        if key in result:
            verdict = ""
            if key in result.get("guards", {}):
                g = result["guards"][key]
                verdict = (f"  guard {g['rule']} (= {g['limit']}): "
                           f"{'held' if g['ok'] else 'NOT HELD'}")
            lines.append(f"  {key:26s} {result[key]}{verdict}")
    refused = {"ingest uploads": result.get("ingest", {}).get("errors", {}).get("ours", 0),
               "burst uploads": result.get("pipeline", {}).get("burst", {}).get("rejected", 0)}
    for what, count in refused.items():
        if count:  # the stack refused uploads it should have taken: the figures are suspect
            lines.append(f"  WARNING: {count} {what} not answered 202 (see the logs)")
    if "sync_baseline" in result:
        s = result["sync_baseline"]
        lines.append(f"  sync peer (guide)          {s['docs_per_s']} docs/s, "
                     f"p99 {s['latency']['p99_ms']} ms, failed {s['failed']}, lost {s['lost']}")
    if "failure_comparison" in result:
        f = result["failure_comparison"]
        lines.append(f"  failures (ours vs peer)    crash lost {f['crash']['ours_lost']} vs "
                     f"{f['crash']['peer_lost']}; overload lost {f['overload']['ours_lost']} "
                     f"(drained in {f['overload']['ours_drain_s']} s) vs failed "
                     f"{f['overload']['peer_failed']}; outage completed "
                     f"{f['outage']['ours_completed_ratio']} vs failed "
                     f"{f['outage']['peer_failed']}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()

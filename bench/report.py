"""latest.json -> the generated section of BENCHMARKS.md and the chart (matplotlib, Agg)."""

from __future__ import annotations

import json
from pathlib import Path

from bench import guards

START, END = "<!-- bench:start -->", "<!-- bench:end -->"
RECENT_RUNS = 5  # complete runs listed under the latest one; history.jsonl keeps them all


def with_guards(result: dict) -> dict:
    """`result` with the raw engine's overhead and the guard verdicts, for results saved before
    the guards existed (everything they need was measured in that run)."""
    if "guards" in result:
        return result
    engine = result.get("engine", {}).get("overhead", {}).get("p50_ms")
    result = {**result, guards.OVERHEAD_BASIS: engine}
    if engine and result.get("overhead_p50_ms") is not None:
        result["overhead_ratio_to_engine"] = round(result["overhead_p50_ms"] / engine, 3)
    return result | {"guards": guards.verdicts(result)}


def _row(*cells) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _fmt(value, unit: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        value = f"{value:.3f}".rstrip("0").rstrip(".") if abs(value) < 10 else f"{value:.1f}"
    return f"{value}{unit}"


def summary_table(result: dict) -> list[str]:
    lines = [_row("guard", "value", "limit", "held", "what"), _row(*["---"] * 5)]
    whats = {g.key: g.what for g in guards.GUARDS}
    for key, v in result["guards"].items():
        limit = f"{v['rule']} = {_fmt(v['limit'])}" if "×" in v["rule"] else v["rule"]
        lines.append(_row(f"`{key}`", _fmt(v["value"]), limit, "yes" if v["ok"] else "**no**",
                          whats.get(key, "")))
    return lines


def pipeline_table(result: dict) -> list[str]:
    p = result["pipeline"]
    sat, paced, seq = p["saturated"], p["paced"], p["sequential"]
    lines = [_row("pipeline (1 worker, OCR off)", "value"), _row("---", "---"),
             _row("documents/s, steady state", _fmt(sat["docs_per_s"])),
             _row("concurrency bound (docs/s)", _fmt(p["bound_docs_per_s"])),
             _row("raw engine docs/s (aiokafka, same L and bound)",
                  _fmt(result["engine"]["docs_per_s"])),
             _row("ratio to the raw engine", _fmt(result.get("extract_ratio_to_engine"))),
             _row("latency at saturation p50 / p95 / p99 (ms)", _lat(sat["latency"])),
             _row(f"latency at {paced['rate']:.0f} docs/s p50 / p95 / p99 (ms)",
                  _lat(paced["latency"])),
             _row("one at a time: upload-to-completed p50 (ms)", _fmt(seq["total"])),
             _row("one at a time: overhead p50 / p95 (ms)",
                  f"{_fmt(seq['overhead'])} / {_fmt(seq['overhead_p95_ms'])}"),
             _row("overhead p50 by kind: 1-page / 5-page / scan (ms)",
                  " / ".join(_fmt(seq["by_kind"][k]) for k in ("pdf1", "pdf5", "scan"))),
             _row("raw engine overhead p50, 3 hops (ms)",
                  _fmt(result["engine"]["overhead"]["p50_ms"])),
             _row("overhead ÷ raw engine overhead", _fmt(result.get("overhead_ratio_to_engine")))]
    for name, block in (("2 workers", result.get("scaling")), ("OCR on", result.get("ocr"))):
        if block:
            lines.append(_row(f"{name}: documents/s (ratio to its bound)",
                              f"{_fmt(block['saturated']['docs_per_s'])} "
                              f"({_fmt(block['ratio_to_bound'])})"))
    if result.get("scaling_ratio_2_to_1") is not None:
        lines.append(_row("scaling: 2 workers ÷ 1 worker", _fmt(result["scaling_ratio_2_to_1"])))
    return lines


def _lat(lat: dict) -> str:
    return " / ".join(_fmt(lat[k]) for k in ("p50_ms", "p95_ms", "p99_ms"))


def burst_table(result: dict) -> list[str]:
    ours, sync = result["pipeline"]["burst"], result["sync_baseline"]
    equal = sync.get("global_ai_limit") or {}
    head = _row("burst of 500", "ours (1 worker)", "sync peer (guide: 4 processes × 10)",
                "sync peer (4 processes, 10 in all)")
    lines = [head, _row(*["---"] * 4)]
    rows = [
        ("AI calls in flight, max", result["settings"]["ai_limit"],
         sync.get("ai_calls_in_flight_max"), equal.get("ai_calls_in_flight_max")),
        ("completed", ours["completed"], sync.get("completed"), equal.get("completed")),
        ("failed or timed out", ours["failed"] + ours["rejected"], sync.get("failed"),
         equal.get("failed")),
        ("lost", ours["lost"], sync.get("lost"), equal.get("lost")),
        ("documents/s, first upload to last result", ours["docs_per_s"], sync.get("docs_per_s"),
         equal.get("docs_per_s")),
        ("upload answered p99 (ms)", ours["accept"]["p99_ms"], _p99(sync), _p99(equal)),
        ("result p99 (ms)", ours["latency"]["p99_ms"], _p99(sync), _p99(equal)),
    ]
    lines += [_row(name, *(_fmt(v) for v in values)) for name, *values in rows]
    return lines


def _p99(block: dict):
    return (block.get("latency") or {}).get("p99_ms")


def stage_table(result: dict) -> list[str]:
    pre, ing = result["preprocess"], result["ingest"]
    return [
        _row("stage against its floor", "ours", "floor", "ratio (median of rounds)"),
        _row(*["---"] * 4),
        _row("preprocess pages/s (image-only PDFs)", _fmt(pre["stage_pages_per_s"]),
             _fmt(pre["bare_pages_per_s"]), _fmt(pre["ratio"])),
        _row("ingest uploads/s", _fmt(ing["ours_uploads_per_s"]),
             _fmt(ing["bare_uploads_per_s"]), _fmt(ing["ratio"])),
        _row("ingest accept p50 / p99 (ms)",
             f"{_fmt(ing['ours_accept_p50_ms'])} / {_fmt(ing['ours_accept_p99_ms'])}",
             f"{_fmt(ing['bare_accept_p50_ms'])} / {_fmt(ing['bare_accept_p99_ms'])}", ""),
    ]


def failure_table(result: dict) -> list[str]:
    """The failure comparison (`bench.failures`): one row per scenario, counts from one run."""
    f = result["failure_comparison"]
    crash, over, down = f["crash"], f["overload"], f["outage"]
    return [
        _row("failure, one run", "ours (1 worker, 10 AI slots)",
             "sync peer (4 processes, 10 AI slots in all)"),
        _row(*["---"] * 3),
        _row(f"crash: kill -9 of every serving process, burst of {crash['n']}",
             f"lost {crash['ours_lost']}{_accepted(crash['ours'])}",
             f"lost {crash['peer_lost']} in flight of {crash['peer']['sent']}"),
        _row(f"overload: burst of {over['n']}, L = {over['latency_ms'] / 1000:g} s, "
             f"{over['client_timeout_s']:g} s client timeout",
             f"lost {over['ours_lost']}{_accepted(over['ours'])}, drained in "
             f"{_fmt(over['ours_drain_s'])} s",
             f"failed {over['peer_failed']} of {over['peer']['sent']}"),
        _row(f"provider outage: 503s for {down['outage_s']:g} s at "
             f"{down['rate_per_s']:g} documents/s",
             f"completed {down['ours']['completed']}{_accepted(down['ours'])} "
             f"(ratio {down['ours_completed_ratio']:.3f}) after retry, DLQ and replay "
             f"({down['ours']['replayed']} replayed)",
             f"failed {down['peer_failed']} of {down['peer']['sent']}"),
    ]


def _accepted(ours: dict) -> str:
    refused = f", {ours['refused']} refused" if ours["refused"] else ""
    return f" of {ours['accepted']} accepted{refused}"


def ocr_table(result: dict) -> list[str]:
    """OCR cost and throughput (`bench.ocr`): both tunings on the same scans in one run."""
    o = result["ocr"]
    cpu, raw = o["cpu"], o["raw"]
    return [
        _row("OCR (scanned A4 invoice pages, 200 dpi)", "value"), _row("---", "---"),
        _row("CPU-seconds per page, the pipeline's OCR (`ocr_cpu_s_per_page`)",
             _fmt(cpu["s_per_page"])),
        _row("CPU-seconds per page, RapidOCR's own call (before), same pages and run",
             _fmt(cpu["legacy_s_per_page"])),
        _row("ratio, pipeline ÷ before", _fmt(cpu["ratio_to_legacy"])),
        _row("OCR on: documents/s, 1 worker (a third of them scans)",
             _fmt(o["saturated"]["docs_per_s"])),
        _row(f"raw OCR loop: documents/s, {raw['processes']} processes, same documents",
             _fmt(raw["docs_per_s"])),
        _row("OCR on ÷ raw loop (`ocr_ratio_to_raw`)", _fmt(o["ratio_to_raw"])),
    ]


def _complete(line: dict) -> bool:
    if "complete" in line:
        return bool(line["complete"])
    return not line.get("label") and all(line.get(g.key) is not None for g in guards.GUARDS)


def history_table(history: list[dict]) -> list[str]:
    """The last complete runs; labelled and partial runs stay in history.jsonl only."""
    keys = [g.key for g in guards.GUARDS] + [guards.OVERHEAD_BASIS]
    lines = [_row("run (UTC)", "commit", "scale", *(f"`{k}`" for k in keys), "guards held"),
             _row(*["---"] * (4 + len(keys)))]
    for h in [h for h in history if _complete(h)][-RECENT_RUNS:]:
        held = "–" if h.get("guards_ok") is None else "yes" if h["guards_ok"] else "**no**"
        lines.append(_row(h.get("generated_at", "")[:16], h.get("commit", ""), h.get("scale"),
                          *(_fmt(h.get(k)) for k in keys), held))
    return lines


def _speed(m: dict) -> str:
    if "python_loop_s" not in m:  # results saved before the machine's speed was measured
        return ""
    rtt = m["round_trip_ms"]
    return (f"; a Python loop of 10^7 additions {m['python_loop_s']} s; a pipe round trip to "
            f"another process {rtt['idle']} ms after 0.5 s idle, {rtt['busy']} ms back to back")


def _warmup(result: dict) -> str:
    w = result.get("broker_warmup")
    if not w:  # results saved before the broker was warmed first
        return ""
    ack = w["ack_after_idle_ms"]
    return (f" The broker was warmed first ({w['messages']} messages one at a time, acks=all, "
            f"in {w['wall_s']:.0f} s): an ack after 0.3 s idle took {ack['before']} ms before, "
            f"{ack['after']} ms after.")


def section(result: dict, history: list[dict], chart: str) -> str:
    m = result["machine"]
    head = (f"Generated by `python -m bench.run` on {result['generated_at'][:19]} UTC, "
            f"BENCH_SCALE={result['scale']}, {result['wall_s']:.0f} s, commit "
            f"`{result['commit']}`. Machine: {m['cpus']} × {m['cpu_model']}, "
            f"{m['memory_gib']} GiB, {m['os']}, Python {m['python']}, Kafka {m['kafka']}; "
            f"load average at start {m['load_average']}{_speed(m)}. "
            f"L = {result['settings']['latency_ms']:g} ms, MAX_CONCURRENT_AI_REQUESTS = "
            f"{result['settings']['ai_limit']}.{_warmup(result)}")
    parts = [head, "", *summary_table(result), "", f"![benchmark chart]({chart})", "",
             *pipeline_table(result), "", *burst_table(result), "", *stage_table(result), "",
             *((*failure_table(result), "") if "failure_comparison" in result else ()),
             *((*ocr_table(result), "") if "cpu" in result.get("ocr", {}) else ()),
             f"The last {RECENT_RUNS} complete runs in `bench/results/history.jsonl` (`–`: not "
             "recorded by that run):", "", *history_table(history)]
    return "\n".join(parts)


def update_markdown(path: Path, text: str) -> None:
    body = path.read_text() if path.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    if START not in body or END not in body:
        body = body.rstrip() + f"\n\n{START}\n{END}\n"
    before, rest = body.split(START, 1)
    after = rest.split(END, 1)[1]
    path.write_text(f"{before}{START}\n{text}\n{END}{after}")


def load_history(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def render(results: Path, markdown: Path) -> None:
    """Rewrite the chart and the generated section from latest.json and history.jsonl."""
    from bench import chart

    result = with_guards(json.loads((results / "latest.json").read_text()))
    chart.draw(result, results / "latest.png")
    history = load_history(results / "history.jsonl")
    update_markdown(markdown, section(result, history, "bench/results/latest.png"))


if __name__ == "__main__":
    from bench.stack import ROOT

    render(ROOT / "bench" / "results", ROOT / "BENCHMARKS.md")

"""The PNG next to latest.json: figures against their guards, the burst, latency, failures,
OCR."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def draw(result: dict, path: Path) -> None:
    panels = [_ratios, _overhead, _burst, _latency]
    if "failure_comparison" in result:
        panels.append(_failures)
    if "cpu" in result.get("ocr", {}):
        panels.append(_ocr)
    fig, axes = plt.subplots(1, len(panels), figsize=(4.75 * len(panels), 4.5))
    for panel, ax in zip(panels, axes, strict=True):
        panel(ax, result)
    fig.suptitle(f"ai-doc-extractor benchmark ({result['scale']}, "
                 f"{result['generated_at'][:16]} UTC, {result['machine']['cpus']} cores)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _ratios(ax, result: dict) -> None:
    names = ["extract_ratio_to_bound", "preprocess_ratio_to_raw", "ingest_ratio_to_bare"]
    labels = ["extract ÷ bound", "preprocess ÷ raw", "ingest ÷ bare"]
    values = [result.get(n) or 0 for n in names]
    limits = [result["guards"][n]["limit"] for n in names]
    colors = ["tab:green" if result["guards"][n]["ok"] else "tab:red" for n in names]
    ax.bar(labels, values, color=colors)
    ax.scatter(labels, limits, marker="_", s=900, color="black", zorder=3, label="guard")
    for i, v in enumerate(values):
        ax.annotate(f"{v:.2f}", (i, v), ha="center", va="bottom")
    ax.set_ylim(0, max(1.1, max(values) * 1.15))
    ax.set_title("ratios (bar) against their guards (line)")
    ax.legend(loc="upper right")


def _overhead(ax, result: dict) -> None:
    seq = result["pipeline"]["sequential"]
    guard = result["guards"]["overhead_p50_ms"]
    labels = ["all (p50)", "1-page", "5-page", "scan", "raw engine"]
    values = [seq["overhead"], *(seq["by_kind"][k] for k in ("pdf1", "pdf5", "scan")),
              result["engine"]["overhead"]["p50_ms"]]
    ax.bar(labels, values, color=["tab:green" if guard["ok"] else "tab:red",
                                  *["tab:gray"] * 3, "tab:blue"])
    if guard["limit"] is not None:
        ax.axhline(guard["limit"], color="black", linewidth=1,
                   label=f"guard {guard['limit']:g} ms ({guard['rule'].split()[1]} × raw engine)")
    for i, v in enumerate(values):
        ax.annotate(f"{v:.1f}", (i, v), ha="center", va="bottom")
    ax.set_ylim(0, max([*values, guard["limit"] or 0]) * 1.3)
    ax.set_ylabel("ms beyond L and preprocessing")
    ax.set_title("overhead, one document at a time (p50)")
    ax.legend(loc="upper left")


def _burst(ax, result: dict) -> None:
    ours, sync = result["pipeline"]["burst"], result["sync_baseline"]
    rows = [("ours\n1 worker", ours["docs_per_s"], ours["lost"]),
            ("sync\n4×10 AI", sync.get("docs_per_s", 0), sync.get("lost", 0))]
    if sync.get("global_ai_limit"):
        g = sync["global_ai_limit"]
        rows.append(("sync\n10 AI in all", g.get("docs_per_s", 0), g.get("lost", 0)))
    bars = ax.bar([r[0] for r in rows], [r[1] for r in rows], color="tab:blue")
    for bar, (_, _, lost) in zip(bars, rows, strict=True):
        ax.annotate(f"lost {lost}", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    ha="center", va="bottom")
    ax.set_ylabel("documents/s")
    ax.set_title(f"burst of {ours['sent']} documents")


def _latency(ax, result: dict) -> None:
    p = result["pipeline"]
    series = {"paced (½ bound)": p["paced"]["latency"], "saturated": p["saturated"]["latency"]}
    qs = ["p50_ms", "p95_ms", "p99_ms"]
    width = 0.35
    for i, (name, lat) in enumerate(series.items()):
        xs = [q + (i - 0.5) * width for q in range(len(qs))]
        ax.bar(xs, [lat[q] for q in qs], width, label=name)
    ax.set_xticks(range(len(qs)), ["p50", "p95", "p99"])
    ax.set_yscale("log")
    ax.set_ylabel("upload to completed (ms)")
    ax.set_title(f"pipeline latency (L = {result['settings']['latency_ms']:g} ms)")
    ax.legend()


def _failures(ax, result: dict) -> None:
    """Requests without a result per scenario, ours beside the peer's (counts, one run)."""
    f = result["failure_comparison"]
    down = f["outage"]["ours"]
    scenarios = ["crash\n(kill -9)", "overload\n(60 s timeout)", "provider\noutage (60 s)"]
    lost = [f["crash"]["ours_lost"], f["overload"]["ours_lost"],
            down["accepted"] - down["completed"]]
    refused = [f[k]["ours"]["refused"] for k in ("crash", "overload", "outage")]
    peer = [f["crash"]["peer_lost"], f["overload"]["peer_failed"], f["outage"]["peer_failed"]]
    width, xs = 0.38, range(len(scenarios))
    left, right = [x - width / 2 for x in xs], [x + width / 2 for x in xs]
    ax.bar(left, lost, width, label="ours: accepted, no result", color="tab:green")
    ax.bar(left, refused, width, bottom=lost, label="ours: refused upload (503)",
           color="white", edgecolor="tab:green", hatch="//")
    ax.bar(right, peer, width, label="sync peer: no result", color="tab:red")
    for x, a, b in zip(left, lost, refused, strict=True):
        ax.annotate(f"{a}" + (f" (+{b} refused)" if b else ""), (x, a + b), ha="center",
                    va="bottom", fontsize=8)
    for x, v in zip(right, peer, strict=True):
        ax.annotate(str(v), (x, v), ha="center", va="bottom")
    ax.set_xticks(xs, scenarios)
    ax.set_ylim(0, max([*(a + b for a, b in zip(lost, refused, strict=True)), *peer, 1]) * 1.25)
    ax.set_ylabel("requests without a result")
    ax.set_title(f"failures, same 10 AI slots (ours drained the overload in "
                 f"{f['overload']['ours_drain_s']:g} s)", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")


def _ocr(ax, result: dict) -> None:
    """OCR-on documents/s beside the raw OCR loop's, with CPU-seconds per page before and now."""
    o = result["ocr"]
    cpu = o["cpu"]
    labels = ["pipeline\nOCR on", f"raw OCR loop\n{o['raw']['processes']} processes"]
    values = [o["saturated"]["docs_per_s"], o["raw"]["docs_per_s"]]
    ax.bar(labels, values, color=["tab:blue", "tab:gray"])
    for i, v in enumerate(values):
        ax.annotate(f"{v:.2f}", (i, v), ha="center", va="bottom")
    ax.set_ylim(0, max(values) * 1.3)
    ax.set_ylabel("documents/s (a third scans)")
    ax.set_title(f"OCR throughput: ratio {o['ratio_to_raw']:.2f}; CPU/page "
                 f"{cpu['s_per_page']:.2f} s (was {cpu['legacy_s_per_page']:.2f})", fontsize=10)

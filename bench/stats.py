"""Percentiles and steady-state rates over plain lists of numbers."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def latency_summary(ms: Sequence[float]) -> dict[str, float]:
    return {"n": len(ms), "p50_ms": r1(percentile(ms, 50)), "p95_ms": r1(percentile(ms, 95)),
            "p99_ms": r1(percentile(ms, 99)), "max_ms": r1(max(ms) if ms else math.nan)}


def steady_rate(times: Sequence[float], trim: float = 0.1) -> float:
    """Completions per second in steady state: the least-squares slope of the completion
    count over time, fitted between the `trim` and `1 - trim` quantiles.

    Dropping the first and last tenth leaves out the ramp-up (pipeline filling, consumers
    joining) and the tail (the last in-flight batch draining). Completions come in waves
    (ten slots free up together); a fitted slope, unlike first-to-last, is not biased by
    where the window's edges fall inside a wave.
    """
    ordered = sorted(times)
    lo, hi = int(len(ordered) * trim), len(ordered) - int(len(ordered) * trim)
    window = ordered[lo:hi]
    if len(window) < 3:
        return math.nan
    mean_t = sum(window) / len(window)
    mean_i = (len(window) - 1) / 2
    var = sum((t - mean_t) ** 2 for t in window)
    cov = sum((t - mean_t) * (i - mean_i) for i, t in enumerate(window))
    return cov / var if var > 0 else math.nan


def r1(value: float) -> float:
    return round(value, 1) if math.isfinite(value) else value


def r3(value: float) -> float:
    return round(value, 3) if math.isfinite(value) else value

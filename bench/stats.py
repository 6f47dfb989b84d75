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
    """Completions per second between the `trim` and `1 - trim` quantiles of completion times.

    Dropping the first and last tenth leaves out the ramp-up (pipeline filling, consumers
    joining) and the tail (the last in-flight batch draining).
    """
    ordered = sorted(times)
    if len(ordered) < 3:
        return math.nan
    lo = int(len(ordered) * trim)
    hi = max(len(ordered) - 1 - int(len(ordered) * trim), lo + 1)
    span = ordered[hi] - ordered[lo]
    return (hi - lo) / span if span > 0 else math.nan


def r1(value: float) -> float:
    return round(value, 1) if math.isfinite(value) else value


def r3(value: float) -> float:
    return round(value, 3) if math.isfinite(value) else value

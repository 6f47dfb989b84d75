"""The benchmark's guards: each figure against a limit taken from the same run, never a clock.

An absolute figure moves with the host (the same code gives a different overhead on another
host of the same class), so every limit is a ratio to a floor measured alongside it: the
concurrency bound, a bare render loop, a bare upload endpoint, or the raw engine's overhead.
`verdicts` is a pure function of the measured numbers; `bench.run` stores what it returns.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

OVERHEAD_BASIS = "engine_overhead_p50_ms"  # the raw engine's 3-hop overhead, same run


@dataclass(frozen=True)
class Guard:
    key: str  # the figure in latest.json
    op: str  # ">=": at least the limit; "<=": at most
    bound: float  # the limit itself, or its factor when `basis` is set
    what: str
    basis: str | None = None  # limit = bound × this figure of the same run

    def limit(self, measured: Mapping[str, object]) -> float | None:
        if self.basis is None:
            return self.bound
        basis = measured.get(self.basis)
        return round(self.bound * basis, 3) if _number(basis) else None  # type: ignore[operator]

    @property
    def rule(self) -> str:
        times = f" × `{self.basis}`" if self.basis else ""
        return f"{self.op} {self.bound:g}{times}"


GUARDS = (
    Guard("extract_ratio_to_bound", ">=", 0.9, "documents/s ÷ workers × AI limit / L (1 worker)"),
    Guard("preprocess_ratio_to_raw", ">=", 0.8, "pages/s of the stage ÷ bare render + encode"),
    Guard("ingest_ratio_to_bare", ">=", 0.45, "uploads/s ÷ a bare multipart endpoint"),
    Guard("burst_lost", "<=", 0, "accepted in the burst but never completed"),
    Guard("overhead_p50_ms", "<=", 6,
          "upload-to-completed − L − preprocess, p50, one at a time", basis=OVERHEAD_BASIS),
)


def _number(value: object) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value))


def verdicts(measured: Mapping[str, object]) -> dict[str, dict]:
    """{figure: {value, limit, ok, rule}}; a figure or basis not measured never passes."""
    out = {}
    for guard in GUARDS:
        value, limit = measured.get(guard.key), guard.limit(measured)
        ok = _number(value) and limit is not None and (
            value >= limit if guard.op == ">=" else value <= limit)  # type: ignore[operator]
        out[guard.key] = {"value": value, "limit": limit, "ok": bool(ok), "rule": guard.rule}
    return out


def failed(checked: Mapping[str, dict]) -> list[str]:
    """The figures whose guard did not hold, each with its value, limit and margin."""
    lines = []
    for key, v in checked.items():
        if not v["ok"]:
            margin = (f", off by {abs(v['value'] - v['limit']):.3g}"
                      if _number(v["value"]) and v["limit"] is not None else "")
            lines.append(f"{key} = {v['value']} (limit {v['rule']} = {v['limit']}{margin})")
    return lines

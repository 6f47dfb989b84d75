"""The fit behind streams/extraction/calibration.py: a penalised, monotone logistic regression.

Each value is one example: its evidence `x` (calibration.FEATURES), its kind, whether it was
right, and whether it comes from a generated scan. The model is

    sigmoid(bias[kind] + sum((shared[f] + group[g][f]) * x_f))     g = calibration.GROUPS[kind]

so every group (amounts, names, addresses, the rest) has its own weights, pulled towards the
shared ones by the L2 penalty: a group with few wrong examples stays close to the shared fit.
Every feature weight is kept >= 0 except the failed check's (<= 0), so confidence never falls
when evidence improves.

Generated scans are plentiful and mostly read right; real documents are few and harder. Left
alone, the generated ones decide the fit, and the model is over-confident on real scans. The
real documents' examples are therefore weighted so that together they count REAL_WEIGHT times
as much as the generated ones (1: as much; chosen by cross-validation on the tuning sets).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from streams.extraction.calibration import BIAS, FEATURES, GROUPS, KINDS, WEIGHTS

REAL_WEIGHT = 1.0
GROUP_NAMES = tuple(dict.fromkeys(GROUPS.values()))


def sample_weights(rows: list[dict[str, Any]]) -> np.ndarray:
    generated = np.array([bool(r.get("generated")) for r in rows])
    n_gen, n_real = int(generated.sum()), int((~generated).sum())
    if not n_gen or not n_real:
        return np.ones(len(rows))
    return np.where(generated, 1.0, REAL_WEIGHT * n_gen / n_real)


def _design(rows: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    """Columns: shared features, then each group's copy (zero outside it), then kind biases."""
    x = np.array([[r["x"][f] for f in FEATURES] for r in rows], dtype=float)
    groups = [GROUPS[r["kind"]] for r in rows]
    blocks = [x] + [x * np.array([[g == name] for g in groups]) for name in GROUP_NAMES]
    kinds = np.array([[float(r["kind"] == kind) for kind in KINDS] for r in rows])
    return np.hstack([*blocks, kinds]), np.array([float(r["ok"]) for r in rows])


def fit(rows: list[dict[str, Any]], l2: float, steps: int = 20000,
        rate: float = 1.0) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """Per-group weights and per-kind biases, by projected gradient descent."""
    x, y = _design(rows)
    sw = sample_weights(rows)
    sw = sw / sw.mean()
    nf, ng = len(FEATURES), len(GROUP_NAMES)
    cut = nf * (1 + ng)  # feature weights before it, kind biases after
    sign = np.array([-1.0 if f == "fail" else 1.0 for f in FEATURES] * (1 + ng)
                    + [0.0] * len(KINDS))
    penalty = np.array([l2] * cut + [l2 * 0.1] * len(KINDS))
    w = np.zeros(x.shape[1])
    w[:nf] = [WEIGHTS["amount"][f] for f in FEATURES]  # start near the last fit: fewer steps
    w[cut:] = [BIAS[kind] for kind in KINDS]
    seen = np.ones_like(w)
    seen[cut:] = x[:, cut:].sum(axis=0) > 0  # a kind without examples keeps its bias
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        w -= rate * (x.T @ ((p - y) * sw) / len(y) + penalty * w) * seen
        w = np.where(sign * w < 0, 0.0, w)
    shared = w[:nf]
    weights = {name: {f: round(float(shared[i] + w[nf * (1 + g) + i]), 3)
                      for i, f in enumerate(FEATURES)} for g, name in enumerate(GROUP_NAMES)}
    bias = {kind: round(float(v), 3) for kind, v in zip(KINDS, w[cut:], strict=True)}
    return weights, bias


def predict(weights: dict[str, dict[str, float]], bias: dict[str, float],
            row: dict[str, Any]) -> float:
    group = weights[GROUPS[row["kind"]]]
    z = bias[row["kind"]] + sum(group[f] * row["x"][f] for f in FEATURES)
    return 1 / (1 + math.exp(-z))


def source(file: str) -> str:
    """The scan a row comes from: a degraded copy (`deg_<name>`) shares its original's fold."""
    return file.removeprefix("deg_")


def choose_l2(rows: list[dict[str, Any]], grid: tuple[float, ...], folds: int = 5) -> float:
    """The penalty with the lowest weighted log-loss on held-out documents (folds by scan)."""
    files = sorted({source(r["file"]) for r in rows})
    sw = sample_weights(rows)
    best: tuple[float, float] | None = None
    for l2 in grid:
        loss = 0.0
        for fold in range(folds):
            held = set(files[fold::folds])
            weights, bias = fit([r for r in rows if source(r["file"]) not in held], l2=l2)
            for r, s in zip(rows, sw, strict=True):
                if source(r["file"]) in held:
                    p = min(max(predict(weights, bias, r), 1e-6), 1 - 1e-6)
                    loss -= s * math.log(p if r["ok"] else 1 - p)
        print(f"l2={l2} held-out log-loss={loss / sw.sum():.4f}")  # noqa: T201
        if best is None or loss < best[1]:
            best = (l2, loss)
    return best[0] if best else grid[0]

"""`doc-extractor eval DIR`: extract every case in a folder, score it field by field, report.

A case is a document `X` with `X.gt.json` beside it (`{"fields": {...}, "accept_alternatives"}`).
Its schema is the one `--schema` names (cases whose ground truth names another schema are
skipped), else the one its ground truth names (`"schema"`); nothing is guessed from names.
Only labelled fields that the schema has are scored (the others are listed as unsupported);
each (document, field) pair is right or wrong, by the field's rule in `streams.eval_scoring`
(dates, amounts, currencies, identifiers, names, addresses, line items), and
`accept_alternatives` counts for any field.

Every scored value keeps its confidence (0 when null). The report ends with three lines: field
accuracy; calibration, the AUROC of confidence against right/wrong (the chance that a right
value outranks a wrong one; 0.5 when all are right or all wrong); auto-accept, at the review
threshold, the precision of the values at or above it and their share of all scored values.

`streams.inprocess.extract_local` is the default: the pipeline's own stage functions, in
process, with the local extractor.
"""

from __future__ import annotations

import json
import multiprocessing
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import structlog

from config.schemas import BUILTIN, SchemaDef
from streams.document import Extraction
from streams.eval_scoring import score_field
from streams.inprocess import extract_local

log = structlog.get_logger(__name__)
DEFAULT_THRESHOLD = 0.9  # REVIEW_CONFIDENCE_THRESHOLD's default

DOC_SUFFIXES = {".pdf", ".jpg", ".jpeg", ".png"}


def load_cases(directory: str | Path) -> list[tuple[Path, dict[str, Any]]]:
    """Every document in `directory` that has `<file>.gt.json` beside it, with its ground truth."""
    cases = []
    for path in sorted(Path(directory).iterdir()):
        gt_path = path.with_name(path.name + ".gt.json")
        if path.suffix.lower() in DOC_SUFFIXES and gt_path.is_file():
            cases.append((path, json.loads(gt_path.read_text(encoding="utf-8"))))
    return cases


def schema_of(gt: dict[str, Any], schema: str | None) -> str | None:
    """The schema a case is scored with: `--schema`, else the one its ground truth names.

    With `--schema`, a case whose ground truth names another schema is not this run's (None).
    """
    named = gt.get("schema")
    if schema:
        return schema if named in (None, schema) else None
    return str(named) if named else None


def _fields_of(schema: str) -> set[str] | None:
    """The field names of a built-in schema or a schema JSON file (None if neither)."""
    if schema in BUILTIN:
        return set(BUILTIN[schema].fields)
    path = Path(schema)
    if path.is_file():
        return set(SchemaDef.model_validate_json(path.read_bytes()).fields)
    return None


ExtractFn = Callable[[Path, str], Extraction]


def _extract_timed(extract_fn: ExtractFn, path: Path, schema: str) -> tuple[Extraction, float]:
    started = time.perf_counter()
    try:
        out = extract_fn(path, schema)
    except Exception as exc:  # a crash on one document scores it wrong, not the run
        log.warning("eval.extract_failed", file=path.name, error=repr(exc))
        out = Extraction(data={})
    return out, round((time.perf_counter() - started) * 1000)


def run_eval(directory: str | Path, extract_fn: ExtractFn | None = None,
             schema: str | None = None, workers: int = 1,
             threshold: float = DEFAULT_THRESHOLD) -> dict[str, Any]:
    """Extract every case in `directory` and score it field by field.

    `schema` names the schema of every case (cases whose ground truth names another are
    skipped); without it each ground truth must name its own. Ground-truth keys the schema
    lacks are listed as unsupported and not scored. Each scored value keeps its confidence,
    for the calibration (AUROC) and auto-accept figures; `threshold` is used when the
    extraction carries no review threshold of its own. With `workers` > 1 documents are
    extracted in that many processes (`extract_fn` must then be a module-level function).
    """
    extract_fn = extract_fn or extract_local
    cases, skipped = [], 0
    for path, gt in load_cases(directory):
        name = schema_of(gt, schema)
        if name is None and schema is None:
            raise ValueError(f"{path.name}: its ground truth names no schema: pass --schema")
        if name is None:
            skipped += 1
            continue
        cases.append((path, gt, name))
    jobs = [(extract_fn, path, name) for path, _, name in cases]
    if workers > 1 and jobs:
        ctx = multiprocessing.get_context("spawn")  # no forked ONNX Runtime thread pools
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            outputs = list(pool.map(_extract_timed, *zip(*jobs, strict=True)))
    else:
        outputs = [_extract_timed(*job) for job in jobs]
    per_field: dict[str, list[int]] = {}
    unsupported: set[str] = set()
    scored: list[tuple[float, bool, float]] = []  # (confidence, right, threshold) per value
    docs = []
    for (path, gt, name), (out, ms) in zip(cases, outputs, strict=True):
        known = _fields_of(name)
        alternatives = gt.get("accept_alternatives") or {}
        limit = out.review.threshold if out.data else threshold
        fields = {}
        for field, expected in (gt.get("fields") or {}).items():
            if known is not None and field not in known:
                unsupported.add(field)
                continue
            predicted = out.data.get(field)
            ok = score_field(field, predicted, expected, alternatives.get(field, []))
            conf = float(out.confidence.get(field, 0.0)) if predicted is not None else 0.0
            fields[field] = {"ok": ok, "predicted": predicted, "expected": expected,
                             "confidence": conf}
            scored.append((conf, ok, limit))
            tally = per_field.setdefault(field, [0, 0])
            tally[0] += ok
            tally[1] += 1
        docs.append({"file": path.name, "schema": name, "ms": ms, "fields": fields})
    correct = sum(c for c, _ in per_field.values())
    n = sum(t for _, t in per_field.values())
    accepted = [ok for conf, ok, limit in scored if conf >= limit]
    return {"documents": docs, "per_field": per_field, "correct": correct, "n": n,
            "accuracy": correct / n if n else 0.0, "unsupported": sorted(unsupported),
            "skipped": skipped,
            "auroc": auroc([c for c, _, _ in scored], [ok for _, ok, _ in scored]),
            "threshold": scored[0][2] if scored else threshold,
            "precision": sum(accepted) / len(accepted) if accepted else 0.0,
            "coverage": len(accepted) / n if n else 0.0}


def auroc(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """P(a right value outranks a wrong one), ties half; 0.5 when either class is empty."""
    ranked = sorted(zip(scores, labels, strict=True))
    right = sum(labels)
    wrong = len(labels) - right
    if not right or not wrong:
        return 0.5
    # Mann-Whitney: the rank sum of the right values, ties given their mean rank
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        mean_rank = (i + 1 + j) / 2
        rank_sum += mean_rank * sum(ok for _, ok in ranked[i:j])
        i = j
    return (rank_sum - right * (right + 1) / 2) / (right * wrong)


def format_report(report: dict[str, Any]) -> str:
    """A per-field table, then `field accuracy`, `calibration` and `auto-accept` lines."""
    lines = [f"{'field':<16} {'correct':>7} {'n':>4} {'accuracy':>8}"]
    for name, (correct, n) in sorted(report["per_field"].items()):
        lines.append(f"{name:<16} {correct:>7} {n:>4} {correct / n:>8.3f}")
    if report.get("unsupported"):
        lines.append(f"unsupported (not in the schema, not scored): "
                     f"{', '.join(report['unsupported'])}")
    if report.get("skipped"):
        lines.append(f"skipped: {report['skipped']} document(s) of another schema")
    lines.append(f"field accuracy: {report['accuracy']:.3f} (n={report['n']})")
    lines.append(f"calibration: auroc={report['auroc']:.3f} (n={report['n']})")
    lines.append(f"auto-accept: threshold={report['threshold']:.2f} "
                 f"precision={report['precision']:.3f} coverage={report['coverage']:.3f}")
    return "\n".join(lines)


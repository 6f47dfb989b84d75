"""`schema=auto` in one process, and its scoring: `doc-extractor eval DIR --schema auto`.

A case is a document `X` with `X.gt.json` beside it that lists its parts:
`{"parts": [{"page_range": [first, last], "schema": "invoice", "fields": {...}}]}`
(`tests/streams/mixgen.py` writes such folders). Scores:
- page-range accuracy: the share of true parts whose exact page range is a predicted part;
- classification accuracy: the share of true parts whose first page lies in a predicted part
  of the right type (`other` included);
- field accuracy, calibration and auto-accept as `streams.evaluation` computes them, over the
  fields of the true parts that were found exactly (a part split wrongly scores no fields,
  and counts against the page-range accuracy instead).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from config.schemas import BUILTIN, OTHER, SchemaDef
from config.settings import Settings
from streams.classify import PagePart, classify_document
from streams.document import Extraction
from streams.eval_scoring import score_field
from streams.evaluation import auroc
from streams.extraction.run import extract_pages
from streams.inprocess import content_type_of
from streams.preprocess import RenderOptions, prepare
from streams.split import child_pages

Split = list[tuple[PagePart, Extraction | None]]


async def split_bytes(data: bytes, content_type: str, settings: Settings, chain,
                      candidates: dict[str, SchemaDef] | None = None) -> tuple[Split, str]:
    """The preprocess, classify and extract stages' functions, in this process."""
    candidates = candidates or dict(BUILTIN)
    opts = RenderOptions(settings.pdf_dpi, settings.max_image_dim, settings.jpeg_quality)
    pages, images, _ = await asyncio.to_thread(prepare, data, content_type, opts)
    parts, method = await classify_document(pages, images, candidates, chain,
                                            ocr=settings.ocr_enabled, run_cpu=asyncio.to_thread)
    out: Split = []
    for part in parts:
        if part.schema == OTHER:
            out.append((part, None))
            continue
        sub = child_pages(pages, part)
        sub_images = {i: images[n] for i, n in enumerate(part.pages, 1) if n in images}

        async def no_pdf() -> bytes | None:
            return None  # a part is not a file of its own: no embedded images to read

        out.append((part, await extract_pages(
            sub, sub_images, candidates[part.schema], chain, ocr=settings.ocr_enabled,
            run_cpu=asyncio.to_thread, load_pdf=no_pdf,
            review_threshold=settings.review_confidence_threshold)))
    return out, method


async def split_file(path: Path, settings: Settings, chain) -> tuple[Split, str]:
    return await split_bytes(path.read_bytes(), content_type_of(path), settings, chain)


def score_case(truth: dict[str, Any], split: Split, threshold: float) -> dict[str, Any]:
    """One document's split against its ground truth (see the module docstring)."""
    found = {(p.first, p.last): (p, ex) for p, ex in split}
    parts = truth.get("parts") or []
    ranges = types = 0
    values: list[tuple[str, bool, float, float]] = []  # field, right, confidence, threshold
    for want in parts:
        first, last = want["page_range"]
        covering = next((p for p, _ in split if p.first <= first <= p.last), None)
        types += covering is not None and covering.schema == want["schema"]
        hit = found.get((first, last))
        if hit is None:
            continue
        ranges += 1
        part, extraction = hit
        if extraction is None or part.schema != want["schema"]:
            continue
        known = set(BUILTIN[part.schema].fields) if part.schema in BUILTIN else None
        for field, expected in (want.get("fields") or {}).items():
            if known is not None and field not in known:
                continue
            predicted = extraction.data.get(field)
            conf = float(extraction.confidence.get(field, 0.0)) if predicted is not None else 0.0
            values.append((field, score_field(field, predicted, expected), conf,
                           extraction.review.threshold or threshold))
    return {"parts": len(parts), "ranges": ranges, "types": types, "values": values,
            "predicted": [[p.first, p.last, p.schema, p.confidence, p.boundary_confidence]
                          for p, _ in split]}


async def run_split_eval(directory: Path, settings: Settings, chain) -> dict[str, Any]:
    cases = sorted(p for p in directory.glob("*.gt.json"))
    docs = []
    for gt_path in cases:
        truth = json.loads(gt_path.read_text())
        if "parts" not in truth:
            continue  # a single-document case: not a split's to score
        path = gt_path.with_name(gt_path.name.removesuffix(".gt.json"))
        split, _ = await split_file(path, settings, chain)
        docs.append({"file": path.name, **score_case(truth, split,
                                                     settings.review_confidence_threshold)})
    if not docs:
        raise ValueError(f"{directory}: no ground truth with 'parts' (see tests/streams/mixgen.py)")
    return summarize(docs, settings.review_confidence_threshold)


def summarize(docs: list[dict[str, Any]], threshold: float) -> dict[str, Any]:
    n_parts = sum(d["parts"] for d in docs)
    values = [v for d in docs for v in d["values"]]
    per_field: dict[str, list[int]] = {}
    for field, ok, _, _ in values:
        tally = per_field.setdefault(field, [0, 0])
        tally[0] += ok
        tally[1] += 1
    accepted = [ok for _, ok, conf, limit in values if conf >= limit]
    return {
        "documents": docs, "parts": n_parts,
        "range_accuracy": sum(d["ranges"] for d in docs) / n_parts if n_parts else 0.0,
        "type_accuracy": sum(d["types"] for d in docs) / n_parts if n_parts else 0.0,
        "per_field": per_field, "n": len(values),
        "accuracy": sum(ok for _, ok, _, _ in values) / len(values) if values else 0.0,
        "auroc": auroc([c for _, _, c, _ in values], [ok for _, ok, _, _ in values]),
        "threshold": values[0][3] if values else threshold,
        "precision": sum(accepted) / len(accepted) if accepted else 0.0,
        "coverage": len(accepted) / len(values) if values else 0.0,
    }


def format_split_report(report: dict[str, Any]) -> str:
    """Misses, the split lines, then the three lines every `eval` ends with."""
    lines = []
    for doc in report["documents"]:
        if doc["ranges"] < doc["parts"] or doc["types"] < doc["parts"]:
            lines.append(f"miss {doc['file']}: predicted {doc['predicted']}")
    for name, (correct, n) in sorted(report["per_field"].items()):
        lines.append(f"{name:<16} {correct:>7} {n:>4} {correct / n:>8.3f}")
    n = report["parts"]
    lines.append(f"classification accuracy: {report['type_accuracy']:.3f} (n={n})")
    lines.append(f"page-range accuracy: {report['range_accuracy']:.3f} (n={n})")
    lines.append(f"field accuracy: {report['accuracy']:.3f} (n={report['n']})")
    lines.append(f"calibration: auroc={report['auroc']:.3f} (n={report['n']})")
    lines.append(f"auto-accept: threshold={report['threshold']:.2f} "
                 f"precision={report['precision']:.3f} coverage={report['coverage']:.3f}")
    return "\n".join(lines)

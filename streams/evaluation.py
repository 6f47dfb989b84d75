"""The scorer behind `doc-extractor eval DIR`, and in-process extraction of one file.

A case is a document `X` with `X.gt.json` beside it (`{"fields": {...}, "accept_alternatives"}`).
Only labelled fields are scored; each (document, field) pair is right or wrong:
- dates: ISO equality; amounts: decimal equality; currency: ISO code equality;
- identifiers (invoice number, VAT id): equal once case, spaces and punctuation are dropped;
- names (vendor, customer, other strings): casefolded, punctuation and legal suffixes
  (GmbH, B.V., Sdn Bhd, Inc...) dropped; right when one contains the other, when most tokens
  overlap, or when the texts without spaces are near-identical (OCR often drops spaces);
- addresses: most expected tokens present (or near-identical without spaces);
- line_items: one pair per document, right when the item count matches and every expected
  item's money value (its `amount`, else its `unit_price`) pairs off with a different predicted
  item's `amount` or `unit_price`, in any order (labellers do not agree on row order).
  Descriptions are not scored: their line breaks and extent vary too much between labellers.

`extract_file` is the default: the pipeline's own stage functions run in process with the
local extractor (see streams/inprocess.py).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import re
import time
import unicodedata
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal, InvalidOperation
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import structlog

from config.schemas import BUILTIN
from streams.document import Extraction
from streams.extraction.normalize import parse_amount, parse_currency, parse_date

log = structlog.get_logger(__name__)

DOC_SUFFIXES = {".pdf", ".jpg", ".jpeg", ".png"}
DATE_FIELDS = {"date", "due_date"}
AMOUNT_FIELDS = {"total", "subtotal", "tax", "amount", "unit_price"}
ID_FIELDS = {"invoice_number", "vendor_vat_id"}
ADDRESS_FIELDS = {"vendor_address", "customer_address"}
LEGAL_SUFFIXES = re.compile(
    r"\b(sdn\s*bhd|bhd|s\s*b|gmbh|ag|kg|b\s*v|bv|n\s*v|ltd|limited|inc|incorporated|llc|plc|"
    r"corp|corporation|co|company|sarl|sas|sa|srl|spa|pvt|private|pte|pty|oy|ab|as|m)\b"
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DECIMAL = re.compile(r"^-?\d+\.\d{2}$")


def load_cases(directory: str | Path) -> list[tuple[Path, dict[str, Any]]]:
    """Every document in `directory` that has `<file>.gt.json` beside it, with its ground truth."""
    cases = []
    for path in sorted(Path(directory).iterdir()):
        gt_path = path.with_name(path.name + ".gt.json")
        if path.suffix.lower() in DOC_SUFFIXES and gt_path.is_file():
            cases.append((path, json.loads(gt_path.read_text(encoding="utf-8"))))
    return cases


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text)).casefold()
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _tokens(text: str, strip_legal: bool = False) -> list[str]:
    folded = re.sub(r"[^\w\s]", " ", _fold(text).replace("&", " and "))
    if strip_legal:
        folded = LEGAL_SUFFIXES.sub(" ", folded)
    return folded.split()


def _squeeze(tokens: list[str]) -> str:
    return "".join(tokens)


_GLUED_LEGAL = re.compile(r"(?:sdnbhd|bhd|gmbh|bv|nv|ltd|limited|inc|llc|sarl|sas|pvtltd|sb)+$")


def _loose_name(predicted: str, expected: str) -> bool:
    pred, exp = _tokens(predicted, True), _tokens(expected, True)
    if not pred or not exp:
        return _squeeze(_tokens(predicted)) == _squeeze(_tokens(expected)) != ""
    # OCR glues a legal form to the name ("STATIONERYSDNBHD"): drop it there too
    p, e = (_GLUED_LEGAL.sub("", _squeeze(t)) or _squeeze(t) for t in (pred, exp))
    if p in e or e in p:
        return True
    overlap = len(set(pred) & set(exp)) / max(len(set(pred)), len(set(exp)))
    return overlap >= 0.6 or SequenceMatcher(None, p, e).ratio() >= 0.85


def _loose_address(predicted: str, expected: str) -> bool:
    pred, exp = _tokens(predicted), _tokens(expected)
    if not pred or not exp:
        return False
    recall = sum(t in set(pred) for t in exp) / len(exp)
    precision = sum(t in set(exp) for t in pred) / len(pred)
    if recall >= 0.7 and precision >= 0.5:
        return True
    return SequenceMatcher(None, _squeeze(pred), _squeeze(exp)).ratio() >= 0.85


def _money(value: Any) -> Decimal | None:
    text = parse_amount(value) if not isinstance(value, str) or not _DECIMAL.match(value) else value
    try:
        return Decimal(text) if text is not None else None
    except InvalidOperation:
        return None


def _items_match(predicted: Any, expected: list[dict[str, Any]]) -> bool:
    if not isinstance(predicted, list) or len(predicted) != len(expected):
        return False
    unmatched = [p for p in predicted if isinstance(p, dict)]
    for exp in expected:
        want = _money(exp.get("amount", exp.get("unit_price")))
        hit = next((p for p in unmatched
                    if want in {_money(p.get("amount")), _money(p.get("unit_price"))}), None)
        if hit is None:
            return False
        unmatched.remove(hit)
    return True


def score_field(name: str, predicted: Any, expected: Any,
                alternatives: Sequence[Any] = ()) -> bool:
    """Whether `predicted` counts as right for field `name` (rules in the module docstring)."""
    if predicted is None or predicted == "" or predicted == []:
        return False
    if isinstance(expected, list):
        return _items_match(predicted, expected)
    return any(_score_one(name, predicted, want) for want in [expected, *alternatives])


def _score_one(name: str, predicted: Any, expected: Any) -> bool:
    want = str(expected)
    if name in DATE_FIELDS or _ISO_DATE.match(want):
        return parse_date(str(predicted)) == want
    if name in AMOUNT_FIELDS or _DECIMAL.match(want):
        return _money(predicted) is not None and _money(predicted) == _money(want)
    if name == "currency":
        return parse_currency(str(predicted)) == want.upper()
    if name in ID_FIELDS:
        return _squeeze(_tokens(str(predicted))) == _squeeze(_tokens(want))
    if name in ADDRESS_FIELDS or name.endswith("_address"):
        return _loose_address(str(predicted), want)
    return _loose_name(str(predicted), want)


def _schema_for(path: Path, gt: dict[str, Any], default: str | None) -> str:
    if gt.get("schema") in BUILTIN:
        return str(gt["schema"])
    if default:
        return default
    return "receipt" if "receipt" in path.parent.name.casefold() else "invoice"


ExtractFn = Callable[[Path, str], Extraction]


def _extract_timed(extract_fn: ExtractFn, path: Path, schema: str) -> tuple[dict, float]:
    started = time.perf_counter()
    try:
        data = extract_fn(path, schema).data
    except Exception as exc:  # a crash on one document scores it wrong, not the run
        log.warning("eval.extract_failed", file=path.name, error=repr(exc))
        data = {}
    return data, round((time.perf_counter() - started) * 1000)


def run_eval(directory: str | Path, extract_fn: ExtractFn | None = None,
             schema: str | None = None, workers: int = 1) -> dict[str, Any]:
    """Extract every case in `directory` and score it field by field.

    With `workers` > 1 documents are extracted in that many processes (`extract_fn` must then
    be a module-level function); each process has its own single-threaded OCR engine.
    """
    extract_fn = extract_fn or extract_file
    cases = load_cases(directory)
    jobs = [(extract_fn, path, _schema_for(path, gt, schema)) for path, gt in cases]
    if workers > 1:
        ctx = multiprocessing.get_context("spawn")  # no forked ONNX Runtime thread pools
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            outputs = list(pool.map(_extract_timed, *zip(*jobs, strict=True)))
    else:
        outputs = [_extract_timed(*job) for job in jobs]
    per_field: dict[str, list[int]] = {}
    docs = []
    for (path, gt), (data, ms) in zip(cases, outputs, strict=True):
        alternatives = gt.get("accept_alternatives") or {}
        fields = {}
        for name, expected in (gt.get("fields") or {}).items():
            ok = score_field(name, data.get(name), expected, alternatives.get(name, []))
            fields[name] = {"ok": ok, "predicted": data.get(name), "expected": expected}
            tally = per_field.setdefault(name, [0, 0])
            tally[0] += ok
            tally[1] += 1
        docs.append({"file": path.name, "ms": ms, "fields": fields})
    correct = sum(c for c, _ in per_field.values())
    n = sum(t for _, t in per_field.values())
    return {"documents": docs, "per_field": per_field, "correct": correct, "n": n,
            "accuracy": correct / n if n else 0.0}


def format_report(report: dict[str, Any]) -> str:
    """A per-field table, then exactly one line `field accuracy: 0.NNN (n=N)`."""
    lines = [f"{'field':<16} {'correct':>7} {'n':>4} {'accuracy':>8}"]
    for name, (correct, n) in sorted(report["per_field"].items()):
        lines.append(f"{name:<16} {correct:>7} {n:>4} {correct / n:>8.3f}")
    lines.append(f"field accuracy: {report['accuracy']:.3f} (n={report['n']})")
    return "\n".join(lines)


def extract_file(path: Path, schema_name: str) -> Extraction:
    """Extract one file in process exactly as the pipeline does, with the local extractor."""
    from config.settings import Settings
    from stores.metrics import Metrics
    from streams.extraction.providers.chain import ProviderChain
    from streams.inprocess import extract_file as extract_in_process

    settings = Settings(_env_file=None, extraction_providers="local")  # type: ignore[call-arg]
    chain = ProviderChain(settings, Metrics())
    return asyncio.run(extract_in_process(Path(path), BUILTIN[schema_name], settings, chain))

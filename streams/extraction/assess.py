"""The one place every extraction (local rules and LLM answers alike) is judged before use.

After grounding: run the schema's cross-field checks on the values and the page's rows,
replace each value's confidence with the calibrated one (calibration.py), and decide what a
person must look at. A field needs review when it has a value and its confidence is below the
threshold (the schema's `review_threshold`, else REVIEW_CONFIDENCE_THRESHOLD), or a failed
check names it; the document needs review when any field does. A null value has nothing to
accept: it is reported with confidence 0 and not listed for review.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from config.schemas import SchemaDef
from streams.document import Citation, Extraction, Page
from streams.extraction.calibration import (
    ARITHMETIC,
    PLAUSIBILITY,
    UNSURE_READ,
    confidence,
    features,
    kind_of,
    llm_prior,
    probability,
    shape,
)
from streams.extraction.checks import run_checks
from streams.extraction.local import extract_local
from streams.extraction.locate import Index
from topics.models import Check, Review


def _has_value(value: Any) -> bool:
    return value is not None and value != "" and value != []


def _norm(value: Any) -> Any:
    if isinstance(value, list):
        return len(value)
    try:
        return Decimal(str(value)) if re.fullmatch(r"-?\d+(\.\d+)?", str(value)) else None
    except InvalidOperation:
        return None


def same_value(a: Any, b: Any) -> bool:
    """Whether two extractions read the same value (numbers by value, text loosely)."""
    if not _has_value(a) or not _has_value(b):
        return False
    if (na := _norm(a)) is not None and (nb := _norm(b)) is not None:
        return bool(na == nb)
    squeeze = re.compile(r"[\W_]+")
    return squeeze.sub("", str(a).casefold()) == squeeze.sub("", str(b).casefold())


def ocr_score(pages: list[Page], cited: list[Citation] | None) -> float | None:
    """Mean OCR score (each word's least sure character) of the words inside the value's
    citations; None for a text layer."""
    by_number = {p.number: p for p in pages}
    scores = []
    for citation in cited or []:
        page = by_number.get(citation.page)
        x0, y0, x1, y1 = citation.bbox
        for word in page.words if page else []:
            cx, cy = (word.bbox[0] + word.bbox[2]) / 2, (word.bbox[1] + word.bbox[3]) / 2
            if word.score is not None and x0 <= cx <= x1 and y0 <= cy <= y1:
                scores.append(word.score)
    return round(sum(scores) / len(scores), 3) if scores else None


def names_above(index: Index, citation: Citation) -> int:
    """Rows above a citation on its page that read like a name (a rival for a shop's name)."""
    top = citation.bbox[1]
    return sum(1 for row in index.layout.rows
               if row and row[0].page == citation.page and max(b.bbox[3] for b in row) < top
               and shape("name", " ".join(b.text for b in row)) >= 0.7)


def gate(data: dict[str, Any], conf: dict[str, float], checks: list[Check], schema: SchemaDef,
         threshold: float, unconfirmed: frozenset[str] = frozenset(),
         unsure: frozenset[str] = frozenset()) -> Review:
    """The fields a person must look at, and why; `unconfirmed`: amounts read by OCR that no
    arithmetic check confirms (capped below the default threshold); `unsure`: values OCR read
    with a character it was unsure of."""
    failed = {f for c in checks if not c.ok for f in c.fields}
    reasons = {}
    for name in schema.fields:
        if not _has_value(data.get(name)):
            continue
        if name in failed:
            reasons[name] = "check_failed"
        elif conf.get(name, 0.0) < threshold:
            reasons[name] = ("unsure_reading" if name in unsure else
                             "unconfirmed_scan" if name in unconfirmed else "low_confidence")
    fields = list(reasons)
    return Review(required=bool(fields), state="pending" if fields else "none", fields=fields,
                  threshold=threshold, reasons=reasons)


def assess(extraction: Extraction, pages: list[Page], schema: SchemaDef, *, threshold: float,
           index: Index | None = None, today: date | None = None,
           local: Extraction | None = None) -> Extraction:
    """Checks, calibrated confidences and the review decision of a grounded extraction.

    `local` is the local extractor's reading of the same pages, for a model's answer; it is
    read here when not given."""
    index = index or Index(pages)
    rows = [" ".join(block.text for block in row) for row in index.layout.rows]
    data = extraction.data
    checks = run_checks(data, schema, rows, today or date.today())
    if extraction.provider == "local":
        local = None
    elif local is None:
        local = extract_local(pages, schema)
    conf = dict(extraction.confidence)
    unconfirmed: set[str] = set()
    unsure: set[str] = set()  # read by OCR with a character it was unsure of
    evidence = {name: dict(e) for name, e in extraction.evidence.items()}
    # items the local extractor chose because they add up (items.items_by_sum) agree with that
    # sum by construction: their check is shown, but it confirms no value
    circular = {"line_items_sum_to_subtotal"} if any(
        e.get("by_sum") for e in extraction.evidence.values()) else set()
    for name, spec in schema.fields.items():
        value = data.get(name)
        if not _has_value(value) or name in extraction.errors:
            conf[name] = 0.0
            continue
        seen = evidence.setdefault(name, {})
        if local is not None:  # a model's answer: does the text layer say the same?
            same = same_value(value, local.data.get(name))
            seen["prior"] = llm_prior(value, local.data.get(name), same)
            seen["margin"] = local.evidence.get(name, {}).get("margin", 0.5) if same else 0.0
        named = [c for c in checks if name in c.fields and not (c.ok and c.rule in circular)]
        failed = {c.rule for c in named if not c.ok}
        agree = any(c.ok and c.rule not in PLAUSIBILITY for c in named)
        kind = kind_of(name, spec)
        cited = extraction.citations.get(name)
        anchor = extraction.citations.get(name.removesuffix("_address")) or cited
        read = ocr_score(pages, cited)
        if read is not None and read < UNSURE_READ:
            unsure.add(name)
        x = features(seen, read, agree, bool(failed), kind, value,
                     anchor[0].bbox[1] if anchor else None,
                     names_above(index, anchor[0]) if anchor else 0)
        seen.update(x)
        confirmed = any(c.ok and c.rule in ARITHMETIC for c in named)
        scanned = read is not None and spec.type == "amount" and not confirmed  # money only
        conf[name] = confidence(kind, x, failed, unconfirmed_scan=scanned,
                                model=local is not None)
        if scanned and not failed and probability(kind, x) > conf[name]:
            unconfirmed.add(name)  # the cap, not the evidence, put it below the threshold
    limit = schema.review_threshold if schema.review_threshold is not None else threshold
    review = gate(data, conf, checks, schema, limit, frozenset(unconfirmed), frozenset(unsure))
    return extraction.model_copy(update={"confidence": conf, "checks": checks, "review": review,
                                         "evidence": evidence})

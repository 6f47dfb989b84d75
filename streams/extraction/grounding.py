"""Ground an extraction: citations for its values, and a confidence that says how sure.

Used for every provider (the LLMs too). Each value is looked up on the pages by
`locate.locate` (locate.py says how values are matched: by what they are, or fuzzily), and
where it was found gives its citations and its confidence.

Confidence, with p the extractor's own confidence (0.5 when it gave none):
    validation error (the value was unreadable)  -> 0
    found exactly                                -> 0.6 + 0.4 * p     (0.60 .. 1.00)
    found fuzzily, or only some lines of it      -> 0.45 + 0.3 * p    (0.45 .. 0.75)
    not found in the document                    -> 0.4 * p           (0.00 .. 0.40)
    null value                                   -> 0
so a value not in the document always scores below one that is. A list field (line items)
gets the mean of its items' field confidences; item fields are keyed `line_items[0].amount`.

A value not found keeps the citation its extractor gave, if any: the local extractor cleans
what it reads ("AEONC0.(M)BHD(126926-H)" gives "AEONCO.(M)BHD"), and where it read the value
is evidence too: the OCR scores of those words, and how high on the page (calibration.py).

What grounding saw is kept in `evidence[field]`: `found` (1 exact, 0.5 fuzzy, 0 missing; the
mean over its items for a list) and `prior`. The calibration (calibration.py) turns that and
the other evidence into the confidence a result finally carries.
"""

from __future__ import annotations

from typing import Any

from streams.document import BBox, Citation, Extraction, Page
from streams.extraction.layout import union
from streams.extraction.locate import Hit, Index, locate

DEFAULT_PRIOR = 0.5
FOUND = {"exact": 1.0, "fuzzy": 0.5, "missing": 0.0}  # `evidence[field]["found"]`


def _confidence(quality: str, prior: float) -> float:
    if quality == "exact":
        return round(0.6 + 0.4 * prior, 3)
    if quality == "fuzzy":
        return round(0.45 + 0.3 * prior, 3)
    return round(0.4 * prior, 3)


def _citations(hits: list[Hit]) -> list[Citation]:
    by_page: dict[int, list[BBox]] = {}
    for hit in hits:
        by_page.setdefault(hit.page, []).append(hit.bbox)
    return [Citation(page=p, bbox=union(boxes)) for p, boxes in sorted(by_page.items())]


def ground(extraction: Extraction, pages: list[Page], index: Index | None = None) -> Extraction:
    """Citations for every non-null value and confidences from where (if) it was found.

    `index` is `Index(pages)` when the caller built it already.
    """
    index = index or Index(pages)
    confidence: dict[str, float] = {}
    citations: dict[str, list[Citation]] = {}
    evidence = {name: dict(e) for name, e in extraction.evidence.items()}
    for name, value in extraction.data.items():
        prior = float(extraction.confidence.get(name, DEFAULT_PRIOR))
        if isinstance(value, list):
            found: list[float] = []
            confidence[name] = _ground_items(index, name, value, prior, extraction,
                                             confidence, citations, found)
            if found:
                evidence.setdefault(name, {}).update(
                    found=round(sum(found) / len(found), 3), prior=prior)
            continue
        if value is None or name in extraction.errors:
            confidence[name] = 0.0
            continue
        quality, hits = locate(index, name, value, extraction.citations.get(name))
        confidence[name] = _confidence(quality, prior)
        evidence.setdefault(name, {}).update(found=FOUND[quality], prior=prior)
        if hits:
            citations[name] = _citations(hits)
        elif extraction.citations.get(name):  # where the extractor read it, cleaned up
            citations[name] = extraction.citations[name]
    return extraction.model_copy(update={"confidence": confidence, "citations": citations,
                                         "evidence": evidence})


def _ground_items(index: Index, name: str, items: list[Any], prior: float,
                  extraction: Extraction, confidence: dict[str, float],
                  citations: dict[str, list[Citation]], found: list[float]) -> float:
    scores: list[float] = []
    last_row: int | None = None  # items are listed top to bottom: look below the previous one
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        anchor: int | None = None
        for key in sorted(item, key=lambda k: k != "amount"):  # the amount anchors the row
            value, full = item[key], f"{name}[{n}].{key}"
            if value is None or full in extraction.errors:
                continue
            near = (anchor, False) if anchor is not None else (
                (last_row, True) if last_row is not None else None)
            quality, hits = locate(index, full, value, extraction.citations.get(full), near)
            score = _confidence(quality, float(extraction.confidence.get(full, prior)))
            confidence[full] = score
            scores.append(score)
            found.append(FOUND[quality])
            if hits:
                citations[full] = _citations(hits)
                anchor = hits[0].row if anchor is None else anchor
        last_row = anchor if anchor is not None else last_row
    return round(sum(scores) / len(scores), 3) if scores else 0.0

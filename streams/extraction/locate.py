"""Where a value is printed on the pages: a document's index, and looking values up in it.

A value is looked up as what it is: amounts match any printed form of the same number
("1.234,56", "$1,234.56"), dates any format of the same day, currencies their code or symbol,
other text matches case- and space-insensitively, or fuzzily (similarity >= 0.8). Where a value
occurs several times, the occurrence inside the extractor's own citation wins, then one next to
a label for the field, then the first. Multi-line text is looked up line by line.

`Index` is built once per document; `locate` answers for one value. Grounding (grounding.py)
turns what `locate` found into citations and confidences.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from difflib import SequenceMatcher
from functools import lru_cache
from itertools import accumulate
from typing import Any

from streams.document import BBox, Citation, Page
from streams.extraction import labels as L
from streams.extraction.dates import find_dates
from streams.extraction.layout import Block, build_layout, union
from streams.extraction.normalize import CODES, find_amounts, find_currencies

FUZZY_RATIO = 0.8
TYPED = ("number", "date", "currency")  # values looked up by what they are, not as text
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HINTS = {
    "total": L.TOTAL[2], "subtotal": L.SUBTOTAL[2], "tax": L.TAX[2], "date": L.DATE[2],
    "due_date": L.DUE[2], "invoice_number": L.INVOICE_NUMBER[3], "vendor_vat_id": L.VAT_ID,
}


@dataclass
class Hit:
    """One place a value is printed (`exact` unless a near-miss or cut out of a word), its row."""

    page: int
    bbox: BBox
    exact: bool
    row: int


_NON_WORD = re.compile(r"[\W_]+")


def _squeeze(text: str) -> str:
    return _NON_WORD.sub("", text.casefold())


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _kind(value: Any, name: str) -> str:
    if isinstance(value, bool):
        return "text"
    if isinstance(value, (int, float, Decimal)):
        return "number"
    if isinstance(value, str):
        if _ISO.match(value):
            return "date"
        if value in CODES and "currency" in name:
            return "currency"
        if re.fullmatch(r"-?\d+\.\d{2}", value):
            return "number"
    return "text"


class Index:
    """A document's layout, with every amount, date and currency in it found once.

    A typed value is then looked up by value instead of every block being re-parsed for it.
    Building it is most of grounding's work, and needs only the pages: the extract stage
    builds it while the model is still answering.
    """

    def __init__(self, pages: list[Page]) -> None:
        self.layout = build_layout(pages)
        self.blocks = self.layout.blocks
        self.pieces = [[_squeeze(w.text) for w in b.words] for b in self.blocks]
        self.joined = ["".join(pieces) for pieces in self.pieces]
        self.offsets = [list(accumulate(map(len, pieces), initial=0)) for pieces in self.pieces]
        self._hits: dict[str, dict[Any, list[Hit]]] = {kind: {} for kind in TYPED}
        for block in self.blocks:
            for kind, by_value in self._hits.items():
                for start, end, found in _parse(kind, block.text):
                    hit = Hit(block.page, block.span_bbox(start, end), True, block.row)
                    by_value.setdefault(found, []).append(hit)

    def typed_hits(self, kind: str, value: Any) -> list[Hit]:
        key = _decimal(value) if kind == "number" else value
        return self._hits[kind].get(key, [])


def _parse(kind: str, text: str) -> list[tuple[int, int, Any]]:
    if kind == "number":
        return [(s, e, Decimal(v)) for s, e, v in find_amounts(text, spaced=True)]
    if kind == "date":  # either reading of an ambiguous 04/05/2024 may be the intended one
        return sorted({d for first in (False, True) for d in find_dates(text, first)})
    return list(find_currencies(text))


def _text_hits(block: Block, offsets: list[int], joined: str, target: str) -> list[Hit]:
    """Case/space-insensitive occurrences (exact when they start and end on word edges).

    `joined` is the block's squeezed words run together, `offsets` where each starts, then its end.
    """
    words = len(offsets) - 1
    hits = []
    start = joined.find(target)
    while start >= 0:
        end = start + len(target)
        first = bisect_right(offsets, start, 0, words) - 1
        last = bisect_left(offsets, end, 0, words) - 1
        aligned = offsets[first] == start and offsets[last + 1] == end
        box = union([w.bbox for w in block.words[first:last + 1]])
        hits.append(Hit(block.page, box, aligned, block.row))
        start = joined.find(target, start + 1)
    return hits


def _fuzzy_hits(block: Block, pieces: list[str], target: str,
                matcher: SequenceMatcher[str]) -> list[Hit]:
    """The run of words most similar to `target` (ratio >= FUZZY_RATIO), if any.

    `matcher` has `target` as its second sequence (its analysis is made once per target).
    """
    best: tuple[float, int, int] | None = None
    for i in range(len(pieces)):
        window = ""
        for j in range(i, len(pieces)):
            window += pieces[j]
            if len(window) > 1.4 * len(target):
                break
            if len(window) < 0.6 * len(target):
                continue
            matcher.set_seq1(window)
            if matcher.real_quick_ratio() < FUZZY_RATIO or matcher.quick_ratio() < FUZZY_RATIO:
                continue
            ratio = matcher.ratio()
            if ratio >= FUZZY_RATIO and (best is None or ratio > best[0]):
                best = (ratio, i, j)
    if best is None:
        return []
    words = block.words[best[1]:best[2] + 1]
    return [Hit(block.page, union([w.bbox for w in words]), False, block.row)]


def _overlaps(a: BBox, b: BBox) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def _labelled(index: Index, hit: Hit, hint: re.Pattern[str] | None) -> bool:
    if hint is None:
        return False
    rows = index.layout.rows[max(0, hit.row - 1): hit.row + 1]
    return any(hint.search(b.text) for row in rows for b in row if b.bbox[0] <= hit.bbox[0])


@lru_cache(maxsize=1024)
def _hint(name: str) -> re.Pattern[str] | None:
    base = name.split(".")[-1]
    if base in _HINTS:
        return _HINTS[base]
    words = [w for w in base.split("_") if len(w) > 2]
    return L.rx(*words) if words else None


def _verbatim(index: Index, name: str, value: Any) -> list[Hit]:
    """Where `value` occurs, compared as what it is (number, date, code, text)."""
    kind = _kind(value, name)
    if kind != "text":
        return index.typed_hits(kind, value)
    target = _squeeze(str(value))
    if not target:
        return []
    return [h for b, offsets, joined in zip(index.blocks, index.offsets, index.joined, strict=True)
            if target in joined for h in _text_hits(b, offsets, joined, target)]


def _near_misses(index: Index, name: str, value: Any) -> list[Hit]:
    """Near-misses of a text value (OCR errors); the costly search, so only where needed."""
    if _kind(value, name) != "text" or len(target := _squeeze(str(value))) < 4:
        return []
    matcher = SequenceMatcher(None, "", target)  # analyses the target once
    return [h for b, pieces in zip(index.blocks, index.pieces, strict=True)
            for h in _fuzzy_hits(b, pieces, target, matcher)]


def locate(index: Index, name: str, value: Any, prior: list[Citation] | None = None,
           near: tuple[int, bool] | None = None) -> tuple[str, list[Hit]]:
    """("exact" | "fuzzy" | "missing", where) for one value; multi-line text line by line.

    `near` is (row, after): prefer occurrences close to that row (strictly below it if after).
    """
    hits = _verbatim(index, name, value)
    if any(h.exact for h in hits):
        return "exact", [_choose(index, name, hits, prior, near)]
    parts = [p for p in re.split(r"\n|,\s+", value) if len(_squeeze(p)) >= 3] if isinstance(
        value, str) and _kind(value, name) == "text" else []
    if len(parts) > 1:
        found = [_choose(index, name, h, prior, near) for p in parts
                 if (h := _verbatim(index, name, p) or _near_misses(index, name, p))]
        if found:
            exact = len(found) == len(parts) and all(h.exact for h in found)
            return ("exact" if exact else "fuzzy"), found
    # The whole value's near-misses only now: a multi-line value is usually found line by line.
    if hits := hits or _near_misses(index, name, value):
        return "fuzzy", [_choose(index, name, hits, prior, near)]
    return "missing", []


def _choose(index: Index, name: str, hits: list[Hit], prior: list[Citation] | None,
            near: tuple[int, bool] | None) -> Hit:
    """The best occurrence: exact, in the extractor's citation, near `near`, labelled, first.

    The label test (rows around the hit: the costly key) only breaks ties on the others.
    """

    def rank(hit: Hit) -> tuple:
        cited = any(c.page == hit.page and _overlaps(c.bbox, hit.bbox) for c in prior or [])
        placed = distance = 0
        if near is not None:
            row, after = near
            placed = hit.row > row if after else 0
            distance = abs(hit.row - row)
        return (hit.exact, cited, placed, -distance)

    ranks = [rank(hit) for hit in hits]
    best = max(ranks)
    tied = [hit for hit, r in zip(hits, ranks, strict=True) if r == best]
    if len(tied) == 1:
        return tied[0]
    hint = _hint(name)
    return max(tied, key=lambda hit: (_labelled(index, hit, hint), -hit.row))

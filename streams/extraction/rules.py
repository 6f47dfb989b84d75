"""Label-anchored rules for scalar fields: amounts, dates, invoice number, currency, VAT id.

A value belongs to a label when it follows the label in the same block, sits in a block to
its right on the same row, or lies just below it (column headers). Candidates carry a score
from the label tier; the per-field pickers choose among them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from streams.document import BBox
from streams.extraction import labels as L
from streams.extraction.dates import find_dates, month_first_text
from streams.extraction.layout import Block, Layout
from streams.extraction.normalize import find_amounts, find_currencies

Spans = list[tuple[int, int, Any]]
ParseFn = Callable[[str], Spans]
TIER_SCORE = {3: 0.9, 2: 0.75, 1: 0.55, 0: 0.4}
BELOW_PENALTY = 0.15  # a value under a label is more often a table cell than the label's own


@dataclass
class Found:
    value: Any
    page: int
    bbox: BBox
    score: float
    row: int = 0
    label: str = ""
    context: str = ""  # the block text around the value (a currency printed beside it)
    margin: float | None = None  # score lead over the best rival value (set by `best`)


def mask_dates(text: str) -> str:
    """`text` with its dates blanked out (same length, so spans still line up)."""
    for start, end, _ in find_dates(text):
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def amount_spans(text: str) -> Spans:
    """Amounts in `text`, ignoring dates and percentages; bare integers only with a currency."""
    masked = mask_dates(text)
    spans = find_amounts(masked)
    with_decimals = [s for s in spans if re.search(r"[.,]\d{1,2}$", masked[s[0]:s[1]])]
    if with_decimals:
        return with_decimals
    return [s for s in spans if find_currencies(masked[max(0, s[0] - 4):s[1] + 4])]


def date_spans(text: str) -> Spans:
    return find_dates(text)


def us_date_spans(text: str) -> Spans:
    return find_dates(text, month_first=True)


def date_parser(layout: Layout) -> ParseFn:
    """Day-first dates, unless the document's unambiguous dates are month-first (US)."""
    text = "\n".join(b.text for b in layout.blocks)
    return us_date_spans if month_first_text(text) else date_spans


_ID_PREFIX = re.compile(
    r"^(?:[\s:#.№°\-]|\b(?:no|nr|n°|nº|num|number|nummer|numéro|numero)\b)*", re.IGNORECASE
)
_ID_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_/\-.]*[A-Za-z0-9]")
_WORD_TAIL = re.compile(r"(?<=\d)-?[A-Z][a-z]{3,}$")  # a capitalised word glued after the number


def id_spans(text: str) -> Spans:
    """The identifier right at the start of `text` (after "No.", "#", ":"), if it looks like one."""
    start = _ID_PREFIX.match(text).end()  # type: ignore[union-attr]
    token = _ID_TOKEN.match(text, start)
    if not token:
        return []
    value = _WORD_TAIL.sub("", token.group())  # "2018-9249-Portal": a page title's word
    if not re.search(r"\d", value) or len(value) < 3 or find_dates(value):
        return []
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})*[.,]\d{2}", value):
        return []  # a money amount, not an id
    return [(token.start(), token.start() + len(value), value)]


def _below_block(layout: Layout, block: Block, span: tuple[int, int]) -> Block | None:
    """A pseudo-block of the words under `span` in the first row below `block` (if any)."""
    x0, _, x1, _ = block.span_bbox(*span)
    for row in layout.rows[block.row + 1: block.row + 3]:
        words = [w for b in row if b.page == block.page for w in b.words]
        if not any(min(w.bbox[2], block.bbox[2]) - max(w.bbox[0], block.bbox[0]) > 0
                   for w in words):
            continue  # nothing under this label on this row: look one row further
        if row[0].row in layout.table_rows:
            return None  # under a column header of a line-item table: a line's value
        under = [w for w in words if min(w.bbox[2], x1) - max(w.bbox[0], x0) > 0]
        return Block(page=block.page, words=under, row=row[0].row) if under else None
    return None


def values_for(layout: Layout, block: Block, match: re.Match[str], parse: ParseFn,
               below: bool = True) -> tuple[list[Found], str]:
    """Values that belong to the label `match` in `block`, and the text of the label part."""
    rest = block.text[match.end():]
    spans = parse(rest)
    if spans:
        off = match.end()
        label = block.text[:off + spans[0][0]]
        return [_found(block, off + s, off + e, v) for s, e, v in spans], label
    found: list[Found] = []
    for other in layout.right_of(block):
        spans = parse(other.text)
        if not spans and found:
            break
        found += [_found(other, s, e, v) for s, e, v in spans]
        if not spans and re.search(r"[^\W\d_]{3,}", other.text):
            break  # another label in between: the values further right are not ours
    if found or not below:
        return found, block.text
    # under a column header, the header's own words are the label (not its neighbours')
    label = block.text[match.start():]
    pseudo = _below_block(layout, block, match.span())
    if pseudo is None:
        return [], label
    return [_found(pseudo, s, e, v, BELOW_PENALTY) for s, e, v in parse(pseudo.text)], label


def _found(block: Block, start: int, end: int, value: Any, penalty: float = 0.0) -> Found:
    return Found(value=value, page=block.page, bbox=block.span_bbox(start, end),
                 score=-penalty, row=block.row,
                 context=block.text[max(0, start - 5):end + 5])


Tiers = dict[int, re.Pattern[str]] | list[tuple[int, re.Pattern[str]]]


def labelled(layout: Layout, tiers: Tiers, parse: ParseFn,
             exclude: Callable[[str], bool] = lambda _: False,
             below: bool = True) -> list[list[Found]]:
    """For every label occurrence, the values it owns (scored by tier), in reading order."""
    ordered = sorted(tiers.items() if isinstance(tiers, dict) else tiers, key=lambda t: -t[0])
    out = []
    for block in layout.blocks:
        for tier, pattern in ordered:
            match = pattern.search(block.text)
            if not match:
                continue
            found, label = values_for(layout, block, match, parse, below)
            if found and not exclude(label):
                for f in found:
                    f.score += TIER_SCORE[tier]
                    f.label = label
                out.append(found)
            break
    return out


def best(cands: list[Found], key: Callable[[Found], Any] = lambda f: 0) -> Found | None:
    """The highest-scoring candidate; ties broken by `key` (higher wins), then reading order."""
    if not cands:
        return None
    top = max(cands, key=lambda f: (round(f.score, 3), key(f), -f.row))
    rivals = [f.score for f in cands if f.value != top.value]
    top.margin = round(top.score - max(rivals), 3) if rivals else 1.0  # evidence for calibration
    return top


def _date_excluded(label: str) -> bool:
    return bool(L.DATE_EXCLUDE.search(label))


EARLIEST = date(1990, 1, 1)
FUTURE_DAYS = 400  # an issue date more than about a year ahead is a code, not a date
_PAGE_MARK = re.compile(r"(?<![\d/.])\d{1,3}\s?/\s?\d{1,3}(?![\d/.])|\b(?:page|seite|pagina)\b|"
                        r"https?:|www\.", re.IGNORECASE)


def plausible(iso: str, today: date | None = None) -> bool:
    """Whether `iso` can be a document's issue date: not ancient, not years ahead."""
    day = date.fromisoformat(iso)
    return EARLIEST <= day <= (today or date.today()) + timedelta(days=FUTURE_DAYS)


def _print_stamp(layout: Layout, block: Block) -> bool:
    """A printer's or browser's header/footer: a page counter or address beside the date."""
    text = mask_dates(" ".join(b.text for b in layout.rows[block.row]))
    return bool(_PAGE_MARK.search(text))


def pick_date(layout: Layout) -> Found | None:
    tiers = [*L.DATE.items(), (3, L.INVOICE_DATE_AFTER_NUMBER)]
    parse = date_parser(layout)
    cands = [f[0] for f in labelled(layout, tiers, parse, _date_excluded)
             if plausible(f[0].value)]
    if cands:
        return best(cands)
    loose: list[tuple[bool, Found]] = []  # fallback: dates that no other label claims
    for block in layout.blocks:
        before = " ".join(b.text for b in layout.rows[block.row][:block.index])
        for start, end, iso in parse(block.text):
            if not _date_excluded(f"{before} {block.text[:start]}") and plausible(iso):
                found = Found(iso, block.page, block.span_bbox(start, end), TIER_SCORE[0],
                              block.row)
                loose.append((_print_stamp(layout, block), found))
    ordered = [f for stamp, f in loose if not stamp] or [f for _, f in loose]
    return ordered[0] if ordered else None


def pick_due_date(layout: Layout) -> Found | None:
    return best([f[0] for f in labelled(layout, L.DUE, date_parser(layout))])


def pick_invoice_number(layout: Layout) -> Found | None:
    cands = [f[0] for f in labelled(layout, L.INVOICE_NUMBER, id_spans,
                                    lambda t: bool(L.NUMBER_EXCLUDE.search(t)))]
    return best(cands)


def pick_currency(layout: Layout) -> Found | None:
    """The most mentioned currency; ISO codes count double (a "$" may be any dollar)."""
    votes: Counter[str] = Counter()
    first: dict[str, Found] = {}
    for block in layout.blocks:
        for start, end, code in find_currencies(block.text):
            votes[code] += 2 if block.text[start:end].isupper() and end - start == 3 else 1
            first.setdefault(code, Found(code, block.page, block.span_bbox(start, end), 0.0,
                                         block.row))
    if not votes:
        return None
    code, count = votes.most_common(1)[0]
    found = first[code]
    found.score = min(0.95, 0.5 + 0.1 * count)
    return found


_VAT_RE = re.compile(
    r"(?<![A-Z0-9])(?:AT|BE|BG|CY|CZ|DE|DK|EE|EL|GR|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|"
    r"RO|SE|SI|SK|GB|XI|CHE|NO)[ .\-]?(?:[0-9A-Z][ .]?){8,13}(?![A-Z0-9])"
)


def _iban_ok(text: str) -> bool:
    """Whether `text` passes the IBAN mod-97 check (so it is a bank account, not a VAT id)."""
    code = re.sub(r"[^0-9A-Z]", "", text.upper())
    if len(code) < 15 or not code[:2].isalpha():
        return False
    digits = "".join(str(int(ch, 36)) for ch in code[4:] + code[:4])
    return int(digits) % 97 == 1


# a country's exact VAT format, glued to the next field's label ("DE752653644IBANDE92...")
_VAT_GLUED = re.compile(r"(?<![A-Z0-9])(?:DE\d{9}|ATU\d{8}|NL\d{9}B\d\d|GB\d{9}|FR[0-9A-Z]{2}\d{9}|"
                        r"BE[01]\d{9}|IT\d{11}|ES[0-9A-Z]\d{7}[0-9A-Z]|DK\d{8}|PL\d{10})(?=[A-Z])")
_SPACED_DIGITS = re.compile(r"\d{2,4}(?: \d{2,4}){2,3}(?![\w.,])")  # "123 4567 89"
_VAT_WORD_TAIL = re.compile(r"[ .][A-Z]{3,}[ .]?$")  # the next field's label: "DE79612.IBAN"
# OCR reads B as 8 in the fixed letters of a VAT id: GB + 9 digits, NL + 9 digits + B + 2 digits
_VAT_B_AS_8 = re.compile(r"(?<=(?<![A-Z0-9])G)8(?=\d{9}(?!\d))|"
                         r"(?<=(?<![A-Z0-9])NL\d{9})8(?=\d\d(?!\d))")


def vat_spans(text: str) -> Spans:
    """EU-style VAT ids (country code + 8-13 characters, not an IBAN, without a next label OCR
    glued on), else digit groups ("123 4567 89"), else a long id."""
    out: Spans = []
    text = _VAT_B_AS_8.sub("B", text)  # same length: spans stay those of the page's text
    for match in _VAT_RE.finditer(text):
        # a word after a space or dot is the next field's label, not the id's ("DE79612.IBAN")
        value = _VAT_WORD_TAIL.sub("", match.group()).strip(" .")
        if sum(ch.isdigit() for ch in value) >= 7 and not _iban_ok(value):
            out.append((match.start(), match.start() + len(value), value))
    if out:
        return out
    # OCR glued the next field to it ("DE752653644IBANDE92..."): the country's exact format
    out = [(m.start(), m.end(), m.group()) for m in _VAT_GLUED.finditer(text)]
    if out:
        return out
    spaced = _SPACED_DIGITS.match(text, _ID_PREFIX.match(text).end())  # type: ignore[union-attr]
    if spaced:  # "VAT No. 123 4567 89": a UK number without its GB
        return [(spaced.start(), spaced.end(), spaced.group())]
    loose = id_spans(text)
    return [s for s in loose if len(re.sub(r"\W", "", s[2])) >= 8]


def pick_vat_id(layout: Layout, customer: frozenset[tuple[int, int]] = frozenset()
                ) -> Found | None:
    """The vendor's VAT id: a labelled one not marked as the customer's, else any EU-shaped
    one; never one printed in the `customer` blocks ((row, index): "Bill to ... VAT GB123")."""
    cands = [f[0] for f in labelled(layout, {2: L.VAT_ID}, vat_spans,
                                    lambda t: bool(L.VAT_EXCLUDE.search(t)))]
    homes = [layout.block_at(f.row, f.bbox[0]) for f in cands]
    cands = [f for f, b in zip(cands, homes, strict=True)
             if b is None or (b.row, b.index) not in customer]
    for found in cands:
        if _VAT_RE.search(str(found.value)):
            found.score += 0.1
    if cands:
        return best(cands)
    for block in layout.blocks:
        if L.VAT_EXCLUDE.search(block.text) or re.search(r"\biban\b", block.text, re.I) or (
                (block.row, block.index) in customer):
            continue
        for start, end, value in vat_spans(block.text):
            if _VAT_RE.search(value):
                return Found(value, block.page, block.span_bbox(start, end), 0.5, block.row)
    return None


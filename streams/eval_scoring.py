"""The eval's rule for one field: whether an extracted value counts as right (`score_field`).

Each (document, field) pair is right or wrong, by the field's rule below; a value that is
right against any of the field's `accept_alternatives` is right too:
- dates: ISO equality; amounts: decimal equality; currency: ISO code equality;
- identifiers (invoice number, VAT id): equal once case, spaces and punctuation are dropped;
- names (vendor, customer, other strings): casefolded, punctuation and legal suffixes
  (GmbH, B.V., Sdn Bhd, Inc...) dropped; right when one contains the other (the shorter at
  least 5 characters and 40% of the longer, so "Co" or "Cafe" alone is not a vendor), when
  most tokens overlap, or when the texts without spaces are near-identical (OCR drops spaces);
- addresses: most expected tokens present (or near-identical without spaces);
- line_items: one pair per document, right when the item count matches and every expected
  item's money value (its `amount`, else its `unit_price`) pairs off with a different predicted
  item's `amount` or `unit_price`, in any order (labellers do not agree on row order).
  Descriptions are not scored: their line breaks and extent vary too much between labellers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from difflib import SequenceMatcher
from typing import Any

from streams.extraction.dates import parse_date
from streams.extraction.normalize import parse_amount, parse_currency

DATE_FIELDS = {"date", "due_date"}
AMOUNT_FIELDS = {"total", "subtotal", "tax", "amount", "unit_price"}
ID_FIELDS = {"invoice_number", "vendor_vat_id"}
ADDRESS_FIELDS = {"vendor_address", "customer_address"}
LEGAL_SUFFIXES = re.compile(
    r"\b(sdn\s*bhd|bhd|s\s*b|gmbh|ag|kg|b\s*v|bv|n\s*v|ltd|limited|inc|incorporated|llc|plc|"
    r"corp|corporation|co|company|sarl|sas|sa|srl|spa|pvt|private|pte|pty|oy|ab|as|m)\b"
)
MIN_SUBSTRING = 5  # a name inside the other counts only when it is this long and 40% of it
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DECIMAL = re.compile(r"^-?\d+\.\d{2}$")


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


_OCR_DIGITS = str.maketrans("015", "ols")


def _ocr_fold(text: str) -> str:
    """Digits OCR reads for letters inside words ("C0." is "CO."), back to letters."""
    return re.sub(r"\w*[^\W\d]\w*", lambda m: m.group().translate(_OCR_DIGITS), text)


def _loose_name(predicted: str, expected: str) -> bool:
    pred, exp = _tokens(_ocr_fold(predicted), True), _tokens(_ocr_fold(expected), True)
    if not pred or not exp:
        return _squeeze(_tokens(predicted)) == _squeeze(_tokens(expected)) != ""
    # OCR glues a legal form to the name ("STATIONERYSDNBHD"): drop it there too
    p, e = (_GLUED_LEGAL.sub("", _squeeze(t)) or _squeeze(t) for t in (pred, exp))
    short, long = sorted((p, e), key=len)
    if short in long and len(short) >= MIN_SUBSTRING and len(short) >= 0.4 * len(long):
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
    if isinstance(alternatives, (str, dict)):
        alternatives = [alternatives]  # one alternative given bare
    if isinstance(expected, list):
        return any(_items_match(predicted, want) for want in [expected, *alternatives]
                   if isinstance(want, list))
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

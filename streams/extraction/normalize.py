"""Pure parsers for amounts and currencies, shared by rules, validation, grounding and eval
(dates are in `dates.py`).

`find_amounts` / `find_currencies` return `(start, end, value)` spans over a text so callers can
map a value back to the words it came from; `parse_*` read one value (the first one found).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Amount tokens: digits with optional thousands groups and decimals. Space-grouped thousands
# ("1 234,56") count only inside one value: in a row, "1 189,00" is a quantity and a price.
_GROUPS = r"(?:[.,]\d{3})+"
_SPACE_GROUPS = r"(?:[ \u00a0\u202f'’]\d{3})+"
_NBSP_GROUPS = r"(?:[\u00a0\u202f'’]\d{3})+"
_AMOUNT_TEMPLATE = (
    r"(?<![\d,])(?<!\d\.)(?P<neg>[-−–(])?\s?"
    r"(?P<num>\d{{1,3}}(?:{groups}|{spaced})(?:[.,]\d{{1,2}}|;\d\d)?|\d+(?:[.,]\d{{1,3}}|;\d\d)?"
    r"|[.,]\d\d(?!\d))"  # OCR drops a leading zero: "CHANGE RM .40", "ROUNDING ,02"
    r"(?P<trail>-(?!\d)|\))?(?!(?!{codes})[\w%]|[.,]\d)"
)
# OCR and some printers glue the currency code to the amount ("100.00EUR", "22.70RM").
_GLUED_CODE = r"(?:EUR|USD|GBP|CHF|INR|MYR|SGD|AUD|CAD|JPY|R[MNH]|Rs)(?![A-Za-z])"  # RM read RN
_AMOUNT_RE = re.compile(_AMOUNT_TEMPLATE.format(groups=_GROUPS, spaced=_NBSP_GROUPS,
                                               codes=_GLUED_CODE))
_AMOUNT_SPACED_RE = re.compile(_AMOUNT_TEMPLATE.format(groups=_GROUPS, spaced=_SPACE_GROUPS,
                                                      codes=_GLUED_CODE))
_CURRENCY_PREFIX = re.compile(r"(?i)(?:rs|rm|inr|myr|eur|usd|gbp|chf|sgd|aud|cad|us)\.?$")
_CURRENCY_NOISE = re.compile(
    r"(?i)(?:[A-Z]{1,2}\$|[€$£¥₹₩₽₺]|(?<![A-Za-z])(?:rs|inr|rm|myr|eur|usd|gbp|chf|sgd|aud|cad|"
    r"euros?|dollars?)(?![A-Za-z])\.?)"
)


def _decimal(num: str) -> Decimal | None:
    digits = re.sub(r"[ \u00a0\u202f'’]", "", num)
    digits = digits.replace(";", ",")  # OCR reads a decimal comma as a semicolon ("2.335;06")
    last_dot, last_comma = digits.rfind("."), digits.rfind(",")
    decimal_sep: str | None
    if last_dot >= 0 and last_comma >= 0:
        decimal_sep = "." if last_dot > last_comma else ","
    elif last_dot >= 0 or last_comma >= 0:
        sep = "." if last_dot >= 0 else ","
        head, _, tail = digits.rpartition(sep)
        # one separator before exactly three digits is a thousands separator (1,234 / 1.234);
        # several end in decimals when OCR read a comma as a dot ("2.215.20" is 2215.20)
        if digits.count(sep) > 1:
            decimal_sep = sep if len(tail) <= 2 else None
        else:
            decimal_sep = None if len(tail) == 3 and head not in ("0", "") else sep
    else:
        decimal_sep = None
    if decimal_sep:
        whole, _, cents = digits.rpartition(decimal_sep)
        digits = re.sub(r"[.,]", "", whole) + "." + cents
    else:
        digits = re.sub(r"[.,]", "", digits)
    if len(digits) > 16:  # no amount has so many digits (an id or a barcode); quantize would fail
        return None
    try:
        return Decimal(digits)
    except InvalidOperation:
        return None


def _format(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def find_amounts(text: str, *, spaced: bool = False) -> list[tuple[int, int, str]]:
    """Every money-like number in `text` as (start, end, decimal string with 2 places)."""
    out: list[tuple[int, int, str]] = []
    for match in (_AMOUNT_SPACED_RE if spaced else _AMOUNT_RE).finditer(text):
        neg, trail = match.group("neg"), match.group("trail")
        start = match.start("neg") if neg else match.start("num")
        before = text[:start]
        glued_label = re.search(r"(?:^|[^\W\d_]{2})[^\W\d_]$", before) and re.search(
            r"[.,]\d{2}$", match.group("num"))  # OCR glued "Total119.00" (not "A4", "INV24")
        if before[-1:].isalpha() and not _CURRENCY_PREFIX.search(before[-4:]) and not (
                glued_label):
            continue  # part of an identifier such as "INV2024" or "A4"
        value = _decimal(match.group("num"))
        if value is None:
            continue
        if (neg and neg != "(") or trail == "-" or (neg == "(" and trail == ")"):
            value = -value
        out.append((start, match.end(), _format(value)))
    return out


def parse_amount(text: object) -> str | None:
    """A single amount ("1.234,56 €", "$4.11", "5.00-") as a 2-place decimal string, or None."""
    if isinstance(text, bool):
        return None
    if isinstance(text, (int, float, Decimal)):
        try:
            return _format(Decimal(str(text)))
        except (InvalidOperation, ValueError):
            return None
    if not isinstance(text, str) or "%" in text or len(text) > 64:
        return None
    stripped = _CURRENCY_NOISE.sub(" ", text).strip(" :=*\t\n")
    found = find_amounts(stripped, spaced=True)
    if len(found) != 1:
        return None
    start, end, value = found[0]
    rest = (stripped[:start] + stripped[end:]).strip(" -.,")
    return None if rest else value


_SYMBOLS = [
    ("US$", "USD"), ("HK$", "HKD"), ("NZ$", "NZD"), ("A$", "AUD"), ("C$", "CAD"), ("S$", "SGD"),
    ("R$", "BRL"), ("€", "EUR"), ("£", "GBP"), ("₹", "INR"), ("¥", "JPY"), ("₩", "KRW"),
    ("₽", "RUB"), ("₺", "TRY"), ("$", "USD"),
]
_CODE_LIST = (
    "EUR USD GBP INR MYR SGD AUD CAD NZD HKD JPY CNY CHF SEK NOK DKK PLN CZK HUF RON BGN TRY RUB "
    "ZAR BRL MXN IDR THB PHP VND KRW AED SAR ILS EGP NGN KES PKR BDT LKR TWD"
)
CODES = frozenset(_CODE_LIST.split(" "))
_WORDLIKE_CODES = {"TRY", "PHP"}  # ordinary words in upper-case receipts and URLs
_WORDS = [
    (re.compile(r"(?i)\b(?:rs\.?|rupees?)(?=[\s\d.]|$)"), "INR"),
    (re.compile(r"(?i)\bRM(?=[\s\d.)]|$)"), "MYR"),
    (re.compile(r"(?i)\bringgit\b"), "MYR"),
    (re.compile(r"(?i)\beuros?\b"), "EUR"),
    (re.compile(r"(?i)\b(?:us\s+)?dollars?\b"), "USD"),
    (re.compile(r"(?i)\bpounds?\s+sterling\b"), "GBP"),
    (re.compile(r"(?i)\b(?:sfr|fr)\.(?=\s?\d)"), "CHF"),
    (re.compile(r"zł"), "PLN"),
]
_CODE_RE = re.compile(r"(?<![A-Za-z])([A-Z]{3})(?![A-Za-z])")
_SYMBOL_RES = [(re.compile(re.escape(symbol)), code) for symbol, code in _SYMBOLS]


def find_currencies(text: str) -> list[tuple[int, int, str]]:
    """Every currency mention (ISO code, symbol or word) as (start, end, ISO code)."""
    found: list[tuple[int, int, str]] = []

    def add(start: int, end: int, code: str) -> None:
        if not any(s < end and start < e for s, e, _ in found):
            found.append((start, end, code))

    for match in _CODE_RE.finditer(text):
        if match.group(1) in CODES and match.group(1) not in _WORDLIKE_CODES:
            add(match.start(), match.end(), match.group(1))
    for symbol, code in _SYMBOL_RES:
        for match in symbol.finditer(text):
            add(match.start(), match.end(), code)
    for pattern, code in _WORDS:
        for match in pattern.finditer(text):
            add(match.start(), match.end(), code)
    return sorted(found)


def parse_currency(text: object) -> str | None:
    """An ISO 4217 code from a code, symbol or currency word ("€", "Rs.", "eur"), or None."""
    if not isinstance(text, str) or len(text) > 64:
        return None
    upper = text.strip().upper()
    if upper in CODES:
        return upper
    found = find_currencies(text)
    return found[0][2] if found else None

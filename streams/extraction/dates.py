"""Dates in document text, tolerant of OCR: `find_dates` returns `(start, end, ISO date)` spans
over a text so callers can map a date back to the words it came from; `parse_date` reads the
first one. Ambiguous numeric dates (04/05/2024) are read day-first, unless that is impossible or
the document's dates read month-first (`month_first_text`).
"""

from __future__ import annotations

import re
from datetime import date

MONTHS: dict[str, int] = {}
_MONTH_NAMES = {
    1: "january jan januar jän jänner janvier janv janvie januari",
    2: "february feb februar février fevrier févr fevr februari",
    3: "march mar märz maerz marz mär mars maart mrt mac",
    4: "april apr avril avr",
    5: "may mai mei",
    6: "june jun juni juin",
    7: "july jul juli juillet juil julai",
    8: "august aug août aout augustus ogos ago",
    9: "september sep sept septembre",
    10: "october oct oktober octobre okt",
    11: "november nov novembre",
    12: "december dec dezember décembre decembre déc dez disember",
}
for _num, _names in _MONTH_NAMES.items():
    for _name in _names.split():
        MONTHS[_name] = _num
# OCR reads "o" as "0" and "l"/"i" as "1", "|" or "!" inside month names ("0ct", "Ju1").
_MONTH_OCR = {"o": "[o0]", "l": "[l1|!i]", "i": "[il1|!]"}


def _month_key(text: str) -> str:
    """A month name with OCR look-alikes folded together ("0CT" and "oct" share a key)."""
    folded = text.casefold().replace("0", "o")
    return re.sub(r"[1|!i]", "l", folded)


MONTH_KEYS = {_month_key(name): num for name, num in MONTHS.items()}
_MONTH_ALT = "|".join(
    "".join(_MONTH_OCR.get(ch, re.escape(ch)) for ch in m)
    for m in sorted(MONTHS, key=len, reverse=True)
)
_SEP = r"[\s,.\-/]*"
# Each pattern has named groups d, m (number or name) and y.
_DATE_PATTERNS = [
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)[-./](?P<m>\d{1,2})[-./](?P<d>\d{1,2})"
               r"(?:(?!\d)|(?=\d{1,2}:\d\d))"),
    re.compile(
        r"(?:(?<![\d.])|(?<=\d:\d\d)|(?<=[A-Za-z]\.))(?P<d>\d{1,2})(?P<s>[-./])(?P<m>\d{1,2})(?P=s)"
        # "14-04-2017:17" is a two-digit year glued to a time, not the year 2017
        # "HD03-04-06-5/40" is a product code: no further "-digit" after the year
        r"(?:(?P<y>\d{4})(?:(?=[.,]?\d{1,2}:\d\d)|(?![\d.:]?\d))|(?P<yy>\d{2})(?![\d.]?\d))"
        r"(?![-/](?!\d{1,2}:\d\d)\d)"
    ),
    re.compile(
        rf"(?<![\w])(?P<d>\d{{1,2}})(?:er|st|nd|rd|th)?[.:]?{_SEP}(?P<m>{_MONTH_ALT})\.?{_SEP}"
        r"(?:(?P<y>\d{4})(?:(?=[.,]?\d{1,4}:\d)|(?![.,]?\d))|(?P<yy>\d{2})(?![.,]?\d))",
        re.IGNORECASE,
    ),
    re.compile(
        rf"(?<![\w])(?P<m>{_MONTH_ALT})\.?{_SEP}(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s*"
        r"(?P<y>\d{4})(?!\d)",
        re.IGNORECASE,
    ),
]
# OCR often glues the time to a two-digit year ("14-03-1821:49", "13-12-19.07:06"): accept
# dd-mm-yy + hh:mm.
_DATE_TIME_GLUED = re.compile(
    r"(?<![\d.])(?P<d>\d{1,2})(?P<s>[-./])(?P<m>\d{1,2})(?P=s)(?P<y>\d{2})(?=[.,]?\d{1,2}:\d{2})"
)
# ... or glues a receipt number to a four-digit year ("07/03/20180012"): tried last.
_DATE_DIGITS_GLUED = re.compile(
    r"(?<![\d.])(?P<d>\d{1,2})(?P<s>[-./])(?P<m>\d{1,2})(?P=s)(?P<y>(?:19|20)\d\d)(?=\d)"
)
# ... or misreads one letter of a month name ("26 N0y 2023"): day, a near-month word, year.
_DATE_NEAR_MONTH = re.compile(
    r"(?<![\w])(?P<d>\d{1,2})[\s.\-/]*(?P<m>[^\W\d_][\w|!]{2,3})\.?[\s,.\-/]*"
    r"(?P<y>(?:19|20)\d\d)(?:(?=[.,]?\d{1,4}:\d)|(?![.,]?\d))"
)


# ... or dropped or misread separators of a day-first date ("27032018", "27.032018", "30.07:2021",
# "16:03.2019", "Date:10032018 6:41"):
# a plausible one only, tried last.
_DATE_COMPACT = re.compile(r"(?<![\w.,/-])(?P<d>[0-3]\d)[./:-]?(?P<m>[01]\d)[./:-]?(?P<y>20[0-4]\d)"
                           r"(?:(?=\d{1,4}:\d)|(?![\w.,:/-]))")


def _near_month(word: str) -> int | None:
    """The month whose name is one letter away from `word` (same first letter), if unique."""
    key = _month_key(word)
    near = {num for name, num in MONTH_KEYS.items() if len(name) == len(key)
            and name[0] == key[0] and sum(a != b for a, b in zip(name, key, strict=True)) == 1}
    return near.pop() if len(near) == 1 else None


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 70 else 1900
    return year


def _make_date(day: int, month: int, year: int) -> str | None:
    if not 1900 <= year <= 2100:
        return None
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _from_match(match: re.Match[str], month_first: bool) -> str | None:
    groups = match.groupdict()
    d, m, y = groups["d"], groups["m"], groups["y"] or groups.get("yy") or ""
    year = _year(y)
    if not m.isdigit():
        month = MONTH_KEYS.get(_month_key(m)) or _near_month(m)
        return _make_date(int(d), month, year) if month else None
    day, month = int(d), int(m)
    if "s" in groups and (month > 12 >= day or (month_first and day <= 12)):
        day, month = month, day  # month-first: when asked to, or when day-first is impossible
    return _make_date(day, month, year)


def find_dates(text: str, month_first: bool = False) -> list[tuple[int, int, str]]:
    """Every date in `text` as (start, end, ISO date), in text order, non-overlapping.

    Numeric dates are read day-first unless `month_first` (or unless impossible).
    """
    found: list[tuple[int, int, str]] = []
    for pattern in (*_DATE_PATTERNS, _DATE_TIME_GLUED, _DATE_DIGITS_GLUED, _DATE_NEAR_MONTH,
                    _DATE_COMPACT):
        for match in pattern.finditer(text):
            iso = _from_match(match, month_first)
            start, end = match.span()
            if iso and not any(s < end and start < e for s, e, _ in found):
                found.append((start, end, iso))
    return sorted(found)


def parse_date(text: object, month_first: bool = False) -> str | None:
    """The first date in `text` as ISO YYYY-MM-DD, or None."""
    if not isinstance(text, str):
        return None
    found = find_dates(text, month_first)
    return found[0][2] if found else None


# "Austin, TX 78701": a US address (city, state code, ZIP), where dates are written month-first
_US_ADDRESS = re.compile(
    r"[A-Za-z.],\s*(?:AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|"
    r"MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY)[\s.]*"
    r"\d{5}(?:-\d{4})?(?!\d)")


def month_first_text(text: str) -> bool:
    """Whether the numeric dates of a document are month-first: some only read that way, or,
    when none decides, the document has a US address."""
    us = eu = 0
    for match in _DATE_PATTERNS[1].finditer(text):
        first, second = int(match.group("d")), int(match.group("m"))
        us += first <= 12 < second
        eu += second <= 12 < first
    return us > eu or (us == eu and bool(_US_ADDRESS.search(text)))

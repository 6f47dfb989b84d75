"""The date checks of `checks.py`: plausible dates, a due date after the issue date, and the
issue date printed alike wherever the page prints it."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from config.schemas import SchemaDef
from streams.extraction.dates import find_dates
from topics.models import Check

EARLIEST = date(1980, 1, 1)
ISSUE_AHEAD = timedelta(days=60)
DUE_AHEAD = timedelta(days=3 * 366)
# a date inside a receipt or invoice number: "Invoice No: 2018030610100080498"
_NUMBER_DATE = re.compile(r"(?=(20\d\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01]))")
_DIGIT_RUN = re.compile(r"\d{8,}")

Data = dict[str, Any]


def _iso(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def dates_plausible(data: Data, schema: SchemaDef, rows: list[str], today: date) -> Check | None:
    judged, wrong = [], []
    for name, spec in schema.fields.items():
        if spec.type != "date" or (day := _iso(data.get(name))) is None:
            continue
        judged.append(name)
        ahead = DUE_AHEAD if "due" in name or "expir" in name else ISSUE_AHEAD
        if not EARLIEST <= day <= today + ahead:
            wrong.append(name)
    if not judged:
        return None
    return Check(rule="dates_plausible", ok=not wrong, fields=wrong or judged,
                 detail=f"implausible: {', '.join(wrong)} (today {today})" if wrong else "")


def due_after_issue(data: Data, schema: SchemaDef, rows: list[str], today: date) -> Check | None:
    issued, due = _iso(data.get("date")), _iso(data.get("due_date"))
    if issued is None or due is None:
        return None
    ok = due >= issued
    return Check(rule="due_date_not_before_date", ok=ok, fields=["date", "due_date"],
                 detail=f"{due} {'>=' if ok else '<'} {issued}")


def date_prints_agree(data: Data, schema: SchemaDef, rows: list[str], today: date) -> Check | None:
    """Judged when the page prints the issue date's day and month more than once."""
    issued = _iso(data.get("date"))
    if issued is None:
        return None
    prints = [day for row in rows for day in _prints(row)
              if (day.month, day.day) == (issued.month, issued.day)]
    other = next((day for day in prints if day != issued), None)
    if other is not None:
        return Check(rule="date_prints_agree", ok=False, fields=["date"],
                     detail=f"{issued} here, {other} elsewhere on the page")
    if len(prints) < 2:
        return None
    return Check(rule="date_prints_agree", ok=True, fields=["date"],
                 detail=f"printed {len(prints)} times")


def _prints(row: str) -> list[date]:
    """The date a row prints, and those inside its long numbers (as yyyymmdd). A row with two
    dates is a period ("01.03.2024 - 28.02.2025"), whose end is no print of the issue date."""
    dates = find_dates(row)
    found = [_iso(dates[0][2])] if len(dates) == 1 else []
    for run in _DIGIT_RUN.finditer(row):
        for match in _NUMBER_DATE.finditer(run.group()):
            found.append(_iso("-".join(match.groups())))
    return [day for day in found if day is not None]

"""A reviewer's corrections checked against the document's schema, field by field.

The formats are the ones the pipeline's own validation produces (ISO dates, decimal-string
amounts, ISO 4217 currencies), so a corrected result reads like an extracted one.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from config.schemas import FieldSpec, SchemaDef

AMOUNT_RE = re.compile(r"^-?\d{1,15}(\.\d{1,4})?$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_STRING = 2000
MAX_ITEMS = 500


def check_corrections(schema: SchemaDef, data: dict[str, Any]) -> dict[str, str]:
    """`{field: what is wrong}`; empty when every value fits the schema."""
    errors: dict[str, str] = {}
    for name, value in data.items():
        spec = schema.fields.get(name)
        if spec is None:
            errors[name] = f"not a field of schema {schema.name!r}"
        elif (problem := _check(spec, value)) is not None:
            errors[name] = problem
    return errors


def _check(spec: FieldSpec, value: Any) -> str | None:
    if value is None:
        return None  # every field may be absent
    if spec.type == "array":
        return _check_items(spec.items or {}, value)
    return _check_scalar(spec.type, value)


def _check_items(items: dict[str, FieldSpec], value: Any) -> str | None:
    if not isinstance(value, list) or len(value) > MAX_ITEMS:
        return f"expected a list of at most {MAX_ITEMS} objects"
    for index, row in enumerate(value):
        if not isinstance(row, dict):
            return f"item {index}: expected an object"
        for key, cell in row.items():
            if key not in items:
                return f"item {index}: {key!r} is not an item field"
            if (problem := _check(items[key], cell)) is not None:
                return f"item {index}: {key}: {problem}"
    return None


def _check_scalar(kind: str, value: Any) -> str | None:
    if kind == "string":
        ok = isinstance(value, str) and len(value) <= MAX_STRING
        return None if ok else f"expected text of at most {MAX_STRING} characters"
    if kind == "amount":
        ok = isinstance(value, str) and bool(AMOUNT_RE.match(value))
        return None if ok else "expected a decimal amount such as 1234.50"
    if kind == "currency":
        ok = isinstance(value, str) and bool(CURRENCY_RE.match(value))
        return None if ok else "expected an ISO 4217 code such as EUR"
    if kind == "date":
        return None if _is_date(value) else "expected a date as YYYY-MM-DD"
    if kind == "boolean":
        return None if isinstance(value, bool) else "expected true or false"
    if kind == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else "expected a whole number"
    if kind == "number":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return None if ok else "expected a number"
    return f"unknown field type {kind!r}"


def _is_date(value: Any) -> bool:
    if not isinstance(value, str) or not DATE_RE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True

"""Coerce extracted values to their schema types; never raises.

`validate(data, schema)` returns the clean data (every schema field present, None when
missing or invalid, unknown keys dropped) and `{field: why}` for values that were present
but could not be read. Errors inside line items are keyed `line_items[2].amount`.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from config.schemas import FieldSpec, SchemaDef
from streams.extraction.dates import parse_date
from streams.extraction.normalize import parse_amount, parse_currency

MAX_STRING = 2000
MAX_ITEMS = 500
_EMPTY = {"", "null", "none", "n/a", "na", "-", "--", "unknown", "nil"}
_TRUE = {"true", "yes", "y", "1", "ja", "oui", "si", "sí", "x", "✓", "on"}
_FALSE = {"false", "no", "n", "0", "nein", "non", "nee", "off"}


class Invalid(ValueError):
    """A present value that does not fit its type."""


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip().casefold() in _EMPTY
    return isinstance(value, (list, dict)) and not value


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise Invalid("a boolean is not a number")
    if isinstance(value, (int, float, Decimal)):
        number = float(value)
    elif isinstance(value, str):
        amount = parse_amount(value)
        if amount is None:
            plain = value.strip().replace(" ", "")
            if not re.fullmatch(r"[-+]?\d+(?:[.,]\d+)?", plain):
                raise Invalid("not a number")
            amount = plain.replace(",", ".")
        number = float(Decimal(amount))
    else:
        raise Invalid("not a number")
    if not math.isfinite(number):
        raise Invalid("not a finite number")
    return number


def _string(value: Any) -> str:
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        value = ", ".join(v.strip() for v in value)  # an address given as a list of lines
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise Invalid("not text")
    text = re.sub(r"[ \t]+", " ", str(value)).strip()
    return text[:MAX_STRING]


def _coerce(value: Any, spec: FieldSpec) -> Any:
    kind = spec.type
    if kind == "string":
        return _string(value)
    if kind == "date":
        iso = parse_date(value if isinstance(value, str) else None)
        if iso is None:
            raise Invalid("not a date")
        return iso
    if kind == "amount":
        amount = parse_amount(value)
        if amount is None:
            raise Invalid("not an amount")
        if not math.isfinite(float(amount)):
            raise Invalid("not a finite amount")
        return amount
    if kind == "currency":
        code = parse_currency(value)
        if code is None:
            raise Invalid("not a currency")
        return code
    if kind == "number":
        number = _number(value)
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if kind == "integer":
        number = _number(value)
        if not number.is_integer():
            raise Invalid("not a whole number")
        return int(number)
    if kind == "boolean":
        return _boolean(value)
    raise Invalid(f"unsupported type {kind}")


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().casefold() if isinstance(value, str) else None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise Invalid("not a yes/no value")


def _items(value: Any, spec: FieldSpec, name: str, errors: dict[str, str]) -> list[dict] | None:
    if isinstance(value, dict):
        value = [value]  # one item returned bare
    if not isinstance(value, (list, tuple)):
        raise Invalid("not a list")
    fields = spec.items or {}
    out = []
    for index, item in enumerate(list(value)[:MAX_ITEMS]):
        if not isinstance(item, dict):
            errors[f"{name}[{index}]"] = "not an object"
            continue
        clean, item_errors = _fields(item, fields)
        for key, why in item_errors.items():
            errors[f"{name}[{index}].{key}"] = why
        if any(v is not None for v in clean.values()):
            out.append(clean)
    return out


def _fields(data: dict, fields: dict[str, FieldSpec]) -> tuple[dict[str, Any], dict[str, str]]:
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, spec in fields.items():
        value = data.get(name)
        clean[name] = None
        if _is_empty(value) and spec.type != "array":
            continue
        try:
            if spec.type == "array":
                clean[name] = None if value is None else _items(value, spec, name, errors)
            else:
                clean[name] = _coerce(value, spec)
        except (Invalid, InvalidOperation, ValueError, TypeError, OverflowError) as exc:
            errors[name] = str(exc) if isinstance(exc, Invalid) else "unreadable value"
    return clean, errors


def validate(data: dict, schema: SchemaDef) -> tuple[dict[str, Any], dict[str, str]]:
    """Clean data with every schema field (None when missing/invalid) and {field: why}."""
    if not isinstance(data, dict):
        return {name: None for name in schema.fields}, {"_": "extraction is not an object"}
    try:
        return _fields(data, schema.fields)
    except Exception:  # validation must never take a pipeline down
        return {name: None for name in schema.fields}, {"_": "unreadable extraction"}

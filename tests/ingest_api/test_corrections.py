"""A reviewer's corrections against the schema: each type's format, items, unknown fields."""

from __future__ import annotations

import pytest

from config.schemas import INVOICE
from ingest_api.corrections import check_corrections


@pytest.mark.parametrize("data", [
    {"total": "1234.50", "tax": "-3", "date": "2026-02-28", "currency": "EUR"},
    {"vendor": "ACME", "due_date": None, "line_items": []},
    {"line_items": [{"description": "bolt", "quantity": 2, "unit_price": "0.50",
                     "amount": "1.00"}, {"quantity": 1.5}]},
])
def test_values_that_fit(data):
    assert check_corrections(INVOICE, data) == {}


@pytest.mark.parametrize(("data", "field", "says"), [
    ({"total": "1,234.50"}, "total", "decimal"),
    ({"total": 12.5}, "total", "decimal"),
    ({"date": "2026-02-30"}, "date", "YYYY-MM-DD"),
    ({"date": "14/03/2026"}, "date", "YYYY-MM-DD"),
    ({"currency": "eur"}, "currency", "ISO 4217"),
    ({"vendor": 7}, "vendor", "text"),
    ({"vendor": "x" * 2001}, "vendor", "text"),
    ({"colour": "red"}, "colour", "not a field"),
    ({"line_items": {"amount": "1"}}, "line_items", "list"),
    ({"line_items": ["bolt"]}, "line_items", "item 0: expected an object"),
    ({"line_items": [{"sku": "1"}]}, "line_items", "not an item field"),
    ({"line_items": [{}, {"quantity": "two"}]}, "line_items", "item 1: quantity"),
    ({"line_items": [{"quantity": True}]}, "line_items", "number"),
])
def test_values_that_do_not(data, field, says):
    problems = check_corrections(INVOICE, data)
    assert list(problems) == [field]
    assert says in problems[field]

"""Validation coerces each field to its type, reports why, drops unknown keys, never raises."""

import random
import string

from config.schemas import BUILTIN, FieldSpec, SchemaDef
from streams.extraction.validate import validate

INVOICE = BUILTIN["invoice"]
CUSTOM = SchemaDef(name="custom", fields={
    "count": FieldSpec(type="integer"),
    "ratio": FieldSpec(type="number"),
    "paid": FieldSpec(type="boolean"),
    "note": FieldSpec(type="string"),
})


def test_coerces_every_type():
    data, errors = validate({
        "invoice_number": 12345, "date": "March 5, 2024", "due_date": "04.04.2024",
        "vendor": "  Acme   GmbH ", "currency": "€", "subtotal": "1.234,50", "tax": 234.5,
        "total": "$1,469.00", "line_items": [{"description": "Bolts", "quantity": "2",
                                              "unit_price": "3,50", "amount": 7}],
    }, INVOICE)
    assert errors == {}
    assert data["invoice_number"] == "12345"
    assert (data["date"], data["due_date"]) == ("2024-03-05", "2024-04-04")
    assert data["vendor"] == "Acme GmbH"
    assert data["currency"] == "EUR"
    assert (data["subtotal"], data["tax"], data["total"]) == ("1234.50", "234.50", "1469.00")
    assert data["line_items"] == [
        {"description": "Bolts", "quantity": 2, "unit_price": "3.50", "amount": "7.00"}]


def test_every_field_present_unknown_dropped_missing_null():
    data, errors = validate({"total": "10", "made_up": "x"}, INVOICE)
    assert set(data) == set(INVOICE.fields)
    assert "made_up" not in data
    assert data["vendor"] is None and data["line_items"] is None
    assert errors == {}


def test_invalid_values_become_null_with_a_reason():
    data, errors = validate({
        "date": "next Tuesday", "total": "about ten", "currency": "bananas",
        "vendor": {"name": "x"}, "line_items": [{"amount": "lots"}, "junk"],
    }, INVOICE)
    assert data["date"] is None and data["total"] is None and data["currency"] is None
    assert data["vendor"] is None
    assert set(errors) == {"date", "total", "currency", "vendor", "line_items[0].amount",
                           "line_items[1]"}
    assert errors["date"] == "not a date"


def test_empty_markers_are_missing_not_errors():
    data, errors = validate({"total": "N/A", "date": "", "vendor": None}, INVOICE)
    assert errors == {} and data["total"] is None


def test_custom_types():
    data, _ = validate({"note": ["Main St 1", "Springfield"]}, CUSTOM)
    assert data["note"] == "Main St 1, Springfield"
    data, errors = validate({"count": "3", "ratio": "0,5", "paid": "yes", "note": 7}, CUSTOM)
    assert data == {"count": 3, "ratio": 0.5, "paid": True, "note": "7"} and errors == {}
    data, errors = validate({"count": 2.5, "paid": "maybe", "ratio": float("nan")}, CUSTOM)
    assert data["count"] is None and data["paid"] is None and data["ratio"] is None
    assert set(errors) == {"count", "paid", "ratio"}


def _junk(rng: random.Random, depth: int = 0):
    kinds = [lambda: None, lambda: rng.random() * 10.0 ** rng.randint(-5, 300),
             lambda: rng.randint(-10**30, 10**30), lambda: rng.choice([True, False]),
             lambda: "".join(rng.choice(string.printable + "€£₹%") for _ in range(rng.randint(
                 0, 40))), lambda: float(rng.choice(["inf", "-inf", "nan"]))]
    if depth < 2:
        kinds += [lambda: [_junk(rng, depth + 1) for _ in range(rng.randint(0, 3))],
                  lambda: {rng.choice(["amount", "x", "date"]): _junk(rng, depth + 1)}]
    return rng.choice(kinds)()


def test_never_raises_on_junk():
    rng = random.Random(7)
    for schema in (INVOICE, BUILTIN["receipt"], CUSTOM):
        for _ in range(400):
            data = {name: _junk(rng) for name in schema.fields}
            clean, errors = validate(data, schema)
            assert set(clean) == set(schema.fields)
            assert all(isinstance(v, str) for v in errors.values())
    for not_a_dict in (None, [], "x", 3):
        clean, errors = validate(not_a_dict, INVOICE)  # type: ignore[arg-type]
        assert all(v is None for v in clean.values()) and errors

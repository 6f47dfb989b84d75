"""Extraction schemas: the built-ins and the model that validates a tenant's own.

A schema is a flat set of typed fields with descriptions; one field may be a list of
objects (line items). Field types carry the formats that validation enforces.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

FieldType = Literal["string", "date", "amount", "number", "integer", "currency", "boolean", "array"]
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
MAX_FIELDS = 50
MAX_DESCRIPTION = 300
# The generic cross-field checks (streams/extraction/checks.py) and the fields each reads; a
# schema names the ones that apply to it. Names are stable: results and consumers use them.
CHECKS: dict[str, tuple[str, ...]] = {
    "subtotal_plus_tax_equals_total": ("subtotal", "tax", "total"),
    "line_items_sum_to_subtotal": ("line_items", "subtotal", "total"),
    "quantity_times_unit_price_equals_amount": ("line_items",),
    "tendered_minus_change_equals_total": ("total",),
    "amounts_not_negative": (),  # every amount field, items included
    "total_not_zero": ("total",),
    "dates_plausible": (),  # every date field
    "due_date_not_before_date": ("date", "due_date"),
    "date_prints_agree": ("date",),
    "currency_matches_amounts": ("currency", "total"),
}


class FieldSpec(BaseModel):
    type: FieldType = "string"
    description: str = Field(default="", max_length=MAX_DESCRIPTION)
    items: dict[str, FieldSpec] | None = None  # only for type=array: the fields of one item

    @model_validator(mode="after")
    def _items_only_for_arrays(self) -> FieldSpec:
        if (self.type == "array") != (self.items is not None):
            raise ValueError("'items' is required for type 'array' and allowed only there")
        for name, spec in (self.items or {}).items():
            if not NAME_RE.match(name) or spec.type == "array":
                raise ValueError(f"bad item field {name!r}: snake_case names, no nested arrays")
        return self


class SchemaDef(BaseModel):
    name: str
    description: str = Field(default="", max_length=MAX_DESCRIPTION)
    fields: dict[str, FieldSpec]
    checks: list[str] = Field(default_factory=list,
                              description=f"cross-field checks to run: {', '.join(CHECKS)}")
    review_threshold: float | None = Field(
        default=None, ge=0.0, le=1.0,
        description="confidence below this needs review (default REVIEW_CONFIDENCE_THRESHOLD)")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME_RE.match(value):
            raise ValueError("schema names are snake_case, 1-48 characters")
        return value

    @field_validator("fields")
    @classmethod
    def _fields(cls, value: dict[str, FieldSpec]) -> dict[str, FieldSpec]:
        if not 0 < len(value) <= MAX_FIELDS:
            raise ValueError(f"a schema has 1 to {MAX_FIELDS} fields")
        for name in value:
            if not NAME_RE.match(name):
                raise ValueError(f"field name {name!r} must be snake_case, 1-48 characters")
        return value

    @model_validator(mode="after")
    def _known_checks(self) -> SchemaDef:
        for rule in self.checks:
            if rule not in CHECKS:
                raise ValueError(f"unknown check {rule!r}; known: {', '.join(CHECKS)}")
            wanted = CHECKS[rule]
            if rule == "line_items_sum_to_subtotal":  # against the subtotal, else the total
                wanted = ("line_items",) + (() if "total" in self.fields else ("subtotal",))
            if missing := [f for f in wanted if f not in self.fields]:
                raise ValueError(f"check {rule!r} reads fields the schema lacks: {missing}")
        return self

    def json_schema(self) -> dict[str, Any]:
        """JSON Schema for LLM structured outputs: every field present, null when absent."""
        return _object_schema(self.fields)


_JSON_TYPES: dict[str, dict[str, Any]] = {
    "string": {"type": ["string", "null"]},
    "date": {"type": ["string", "null"], "description": "ISO 8601 date YYYY-MM-DD"},
    "amount": {"type": ["string", "null"], "description": "decimal string, e.g. 1234.50"},
    "number": {"type": ["number", "null"]},
    "integer": {"type": ["integer", "null"]},
    "currency": {"type": ["string", "null"], "description": "ISO 4217 code, e.g. EUR"},
    "boolean": {"type": ["boolean", "null"]},
}


def _object_schema(fields: dict[str, FieldSpec]) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for name, spec in fields.items():
        if spec.type == "array":
            prop: dict[str, Any] = {"type": "array", "items": _object_schema(spec.items or {})}
        else:
            prop = dict(_JSON_TYPES[spec.type])
            hint = prop.pop("description", "")
            prop["description"] = " ".join(x for x in (spec.description, hint) if x)
        if spec.type == "array" and spec.description:
            prop["description"] = spec.description
        props[name] = prop
    return {
        "type": "object",
        "properties": props,
        "required": list(fields),
        "additionalProperties": False,
    }


def _f(type_: FieldType, description: str, **kw: Any) -> FieldSpec:
    return FieldSpec(type=type_, description=description, **kw)


LINE_ITEM = {
    "description": _f("string", "what was sold"),
    "quantity": _f("number", "how many units"),
    "unit_price": _f("amount", "price of one unit"),
    "amount": _f("amount", "line total"),
}

INVOICE = SchemaDef(
    name="invoice",
    description="A supplier invoice",
    fields={
        "invoice_number": _f("string", "the invoice number or reference"),
        "date": _f("date", "the invoice (issue) date"),
        "due_date": _f("date", "the payment due date"),
        "vendor": _f("string", "the company that issued the invoice"),
        "vendor_address": _f("string", "postal address of the vendor"),
        "vendor_vat_id": _f("string", "VAT / tax registration number of the vendor"),
        "customer": _f("string", "the billed customer"),
        "currency": _f("currency", "currency of the amounts"),
        "subtotal": _f("amount", "total before tax"),
        "tax": _f("amount", "total tax amount"),
        "total": _f("amount", "grand total to pay, tax included"),
        "line_items": _f("array", "the invoice lines", items=LINE_ITEM),
    },
    checks=["subtotal_plus_tax_equals_total", "line_items_sum_to_subtotal",
            "quantity_times_unit_price_equals_amount", "tendered_minus_change_equals_total",
            "amounts_not_negative", "total_not_zero", "dates_plausible",
            "due_date_not_before_date", "date_prints_agree", "currency_matches_amounts"],
)

RECEIPT = SchemaDef(
    name="receipt",
    description="A shop or restaurant receipt",
    fields={
        "vendor": _f("string", "the shop or company name"),
        "vendor_address": _f("string", "address of the shop"),
        "date": _f("date", "date of purchase"),
        "currency": _f("currency", "currency of the amounts"),
        "total": _f("amount", "total paid, tax included"),
        "tax": _f("amount", "tax amount (GST/VAT)"),
        "line_items": _f("array", "the purchased items", items=LINE_ITEM),
    },
    checks=["line_items_sum_to_subtotal", "quantity_times_unit_price_equals_amount",
            "tendered_minus_change_equals_total", "amounts_not_negative", "total_not_zero",
            "dates_plausible", "date_prints_agree", "currency_matches_amounts"],
)

BUILTIN: dict[str, SchemaDef] = {s.name: s for s in (INVOICE, RECEIPT)}

# `auto` is a pseudo-schema: the document is split and each part classified (streams/classify.py)
# into a built-in, a tenant schema with a description, or OTHER (kept, not extracted).
AUTO = SchemaDef(
    name="auto",
    description="Split a multi-document file and classify each part (invoice, receipt, a tenant"
                " schema with a description, or other)",
    fields={"document_type": _f("string", "the schema chosen for one part")},
)
OTHER = "other"
PSEUDO: dict[str, SchemaDef] = {AUTO.name: AUTO}
RESERVED = frozenset({AUTO.name, OTHER})  # names a tenant's own schema may not take

"""The offline extractor: layout rules over the page words, no network, no model.

Built-in field names (invoice and receipt) have their own rules; any other field of a
tenant's schema is read as a "Label: value" pair whose label matches the field's name.
Each value carries a rule-strength confidence and the box it came from; `ground` refines both.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import structlog

from config.schemas import FieldSpec, SchemaDef
from streams.document import Citation, Extraction, Page
from streams.extraction import amounts, rules
from streams.extraction.address import pick_vendor_address
from streams.extraction.customer import pick_customer
from streams.extraction.items import ItemRow, extract_items, items_by_sum
from streams.extraction.labels import rx
from streams.extraction.layout import Layout, build_layout
from streams.extraction.normalize import find_currencies
from streams.extraction.parties import customer_zone, pick_vendor
from streams.extraction.rules import Found
from streams.extraction.validate import validate

log = structlog.get_logger(__name__)

PROVIDER, MODEL = "local", "rules-v1"
ITEM_CONFIDENCE = 0.6
Rule = Callable[[Layout, dict[str, Found | None], bool], Found | None]


def _vendor(layout: Layout, done: dict[str, Found | None], receipt: bool) -> Found | None:
    if "vendor" not in done:
        done["vendor"] = pick_vendor(layout, receipt)
    return done["vendor"]


RULES: dict[str, Rule] = {
    "invoice_number": lambda layout, done, receipt: rules.pick_invoice_number(layout),
    "date": lambda layout, done, receipt: rules.pick_date(layout),
    "due_date": lambda layout, done, receipt: rules.pick_due_date(layout),
    "currency": lambda layout, done, receipt: rules.pick_currency(layout),
    "vendor_vat_id": lambda layout, done, receipt: rules.pick_vat_id(
        layout, frozenset(customer_zone(layout))),
    "vendor": _vendor,
    "vendor_address": lambda layout, done, receipt: pick_vendor_address(
        layout, _vendor(layout, done, receipt)),
    "customer": lambda layout, done, receipt: pick_customer(layout),
}
AMOUNT_FIELDS = ("total", "subtotal", "tax")


def _field_label(name: str) -> re.Pattern[str]:
    """A label regex from a field name: "po_number" matches "PO number", "PO No.", "PO #"."""
    words = name.split("_")
    synonyms = {"number": ["number", "no", "nr", "#", "num"], "no": ["no", "number", "nr", "#"]}
    variants = [""]
    for word in words:
        variants = [f"{v} {alt}".strip() for v in variants for alt in synonyms.get(word, [word])]
    return rx(*variants)


def _parser(spec: FieldSpec, layout: Layout) -> rules.ParseFn:
    if spec.type == "date":
        return rules.date_parser(layout)
    if spec.type == "amount":
        return rules.amount_spans
    if spec.type in ("number", "integer"):
        return lambda text: [(m.start(), m.end(), m.group()) for m in
                             re.finditer(r"-?\d+(?:[.,]\d+)?", text)][:1]
    if spec.type == "currency":
        return find_currencies
    if spec.type == "boolean":
        return lambda text: [(m.start(), m.end(), m.group()) for m in re.finditer(
            r"(?i)\b(?:yes|no|ja|nein|oui|non|true|false)\b", text)][:1]

    def text_value(text: str) -> rules.Spans:
        value = text.strip(" :#-–")
        if not re.search(r"\w", value):
            return []
        start = text.find(value)
        return [(start, start + len(value), value)]

    return text_value


def _generic(layout: Layout, name: str, spec: FieldSpec) -> Found | None:
    """A "Label: value" pair whose label matches the field name."""
    found = rules.labelled(layout, {2: _field_label(name)}, _parser(spec, layout))
    return rules.best([f[0] for f in found])


def _run_rules(layout: Layout, schema: SchemaDef) -> dict[str, Found | None]:
    receipt = schema.name == "receipt"
    done: dict[str, Found | None] = {}
    out: dict[str, Found | None] = {}
    picked: dict[str, Found | None] | None = None
    for name, spec in schema.fields.items():
        if spec.type == "array":
            continue
        if name in AMOUNT_FIELDS:
            picked = picked or amounts.pick_amounts(layout)
            out[name] = picked[name]
        elif name in RULES:
            out[name] = RULES[name](layout, done, receipt)
        else:
            out[name] = _generic(layout, name, spec)
    return out


def _read_items(rows: list[ItemRow], name: str, spec: FieldSpec, confidence: dict[str, float],
                citations: dict[str, list[Citation]]) -> list[dict[str, Any]]:
    """Table rows for an array field, with a citation and confidence per item field."""
    rows = rows if _looks_like_items(spec) else []
    confidence[name] = ITEM_CONFIDENCE if rows else 0.0
    for index, (_, where, _) in enumerate(rows):
        for key, (page, box) in where.items():
            citations[f"{name}[{index}].{key}"] = [Citation(page=page, bbox=box)]
            confidence[f"{name}[{index}].{key}"] = ITEM_CONFIDENCE
    return [row.item for row in rows]


def _derive_subtotal(raw: dict[str, Any], confidence: dict[str, float]) -> None:
    """No printed subtotal: total minus tax, else the line amounts if they add up to the total."""
    if "subtotal" not in raw or raw["subtotal"] is not None or not raw.get("total"):
        return
    total = Decimal(raw["total"])
    if raw.get("tax"):
        raw["subtotal"], confidence["subtotal"] = str(total - Decimal(raw["tax"])), 0.3
        return
    amounts = [i.get("amount") for i in raw.get("line_items") or []]
    lines_add_up = amounts and None not in amounts and sum(
        (Decimal(str(a)) for a in amounts), Decimal(0)) == total  # no tax on top of the lines
    if lines_add_up:
        raw["subtotal"], confidence["subtotal"] = str(total), 0.3


def extract_local(pages: list[Page], schema: SchemaDef) -> Extraction:
    """Extract `schema` from the words of `pages` with layout rules."""
    started = time.perf_counter()
    layout = build_layout(pages)
    table = extract_items(layout)
    layout.table_rows = {row.row for row in table}  # values under headers there are items
    found = _run_rules(layout, schema)
    raw: dict[str, Any] = {name: f.value if f else None for name, f in found.items()}
    by_sum = not table  # items chosen because they add up: no evidence for that sum
    table = table or items_by_sum(layout, [found.get("subtotal"), found.get("total")])
    confidence = {name: round(f.score, 3) for name, f in found.items() if f}
    citations = {name: [Citation(page=f.page, bbox=f.bbox)] for name, f in found.items() if f}
    for name, spec in schema.fields.items():
        if spec.type == "array":
            raw[name] = _read_items(table, name, spec, confidence, citations)
    _derive_subtotal(raw, confidence)
    data, errors = validate(raw, schema)
    for key in errors:
        confidence[key] = 0.0
    ms = round((time.perf_counter() - started) * 1000, 1)
    log.debug("extract_local.done", schema=schema.name, pages=len(pages), ms=ms,
              found=sum(v is not None for v in data.values()))
    evidence = {name: {"margin": f.margin} for name, f in found.items()
                if f and f.margin is not None}
    if by_sum and table:
        evidence.update({name: {"by_sum": 1.0} for name, spec in schema.fields.items()
                         if spec.type == "array"})
    return Extraction(data=data, confidence=confidence, citations=citations, errors=errors,
                      provider=PROVIDER, model=MODEL, evidence=evidence)


def _looks_like_items(spec: FieldSpec) -> bool:
    """Only arrays of priced lines can be read from a table by these rules."""
    fields = set(spec.items or {})
    return bool(fields & {"amount", "unit_price", "price", "total"}) or "description" in fields

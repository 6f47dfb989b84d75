"""How the fake LLM answers: fill a JSON schema from document text with simple heuristics.

It reads labels ("Invoice No: 42", "Total  € 1.234,50"), dates in common formats, amounts with
either decimal separator, currency codes or signs, and item lines "desc qty unit amount".
Answers are schema-valid and normalised (ISO dates, decimal strings), like a good model's.
"""

from __future__ import annotations

import base64
import io
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from PIL import Image

SYNONYMS = {
    "invoice_number": ["invoice number", "invoice no", "invoice #", "invoice nr", "factuurnummer",
                       "rechnungsnummer", "invoice"],
    "date": ["invoice date", "date of issue", "issue date", "factuurdatum", "datum", "date"],
    "due_date": ["due date", "payment due", "due"],
    "vendor_vat_id": ["vat id", "vat no", "vat number", "vat reg no", "tax id", "gst no", "vat"],
    "customer": ["bill to", "billed to", "customer", "sold to", "client"],
    "subtotal": ["subtotal", "sub total", "net amount", "total before tax", "subtotaal"],
    "tax": ["tax", "vat", "gst", "btw"],
    "total": ["grand total", "total due", "amount due", "total amount", "totaal", "total"],
}
MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
MONTHS = {m: i for i, m in enumerate(MONTH_NAMES, start=1)}
MONTHS.update({"maart": 3, "mei": 5, "okt": 10, "mrz": 3, "dez": 12})
CURRENCY_SIGNS = {"€": "EUR", "$": "USD", "£": "GBP", "₹": "INR", "RM": "MYR"}
CODES = "EUR USD GBP INR CHF JPY MYR SGD AUD CAD CNY SEK NOK DKK PLN"
_DATE = re.compile(
    r"(?P<iso>\d{4}-\d{2}-\d{2})"
    r"|(?P<d>\d{1,2})[./-](?P<m>\d{1,2})[./-](?P<y>\d{4})"
    r"|(?P<d2>\d{1,2})\.?\s+(?P<mon>[A-Za-z]{3,9})\.?\s+(?P<y2>\d{4})"
    r"|(?P<mon3>[A-Za-z]{3,9})\.?\s+(?P<d3>\d{1,2})\s*,?\s+(?P<y3>\d{4})"
)
_AMOUNT = re.compile(r"-?\d{1,3}(?:[.,\s']\d{3})+(?:[.,]\d{1,2})?|-?\d+(?:[.,]\d{1,2})?")
_ITEM = re.compile(
    r"^(?P<desc>.*[A-Za-z].*?)\s+(?P<qty>\d+(?:[.,]\d+)?)\s+(?P<unit>[€$£]?\s?[\d.,]+)"
    r"\s+(?P<amount>[€$£]?\s?[\d.,]+)\s*$"
)
PAGE_HEADER = re.compile(r"^--- page \d+.*---$|^Document pages .*$")


def document_text(messages: list[dict[str, Any]]) -> str:
    """User-message text plus whatever text the attached JPEGs carry in their comment."""
    parts: list[str] = []
    for message in messages:
        if message.get("role") != "user":
            continue
        content = message.get("content")
        for part in [content] if isinstance(content, str) else content or []:
            if isinstance(part, str):
                parts.append(part)
            elif part.get("type") == "text":
                parts.append(part.get("text", ""))
            elif part.get("type") == "image_url":
                parts.append(image_text(part["image_url"]))
    text = "\n".join(parts)
    return text.split("Your previous answer", 1)[0]  # ignore our own repair feedback


def image_text(image_url: Any) -> str:
    """The fake's 'OCR': the JPEG COM segment, which test documents use to carry their text."""
    url = image_url.get("url", "") if isinstance(image_url, dict) else str(image_url)
    try:
        raw = base64.b64decode(url.split(",", 1)[1])
        comment = Image.open(io.BytesIO(raw)).info.get("comment", b"")
    except (IndexError, ValueError, OSError):
        return ""
    return comment.decode("utf-8", "replace") if isinstance(comment, bytes) else str(comment)


def schema_from_guide(system: str) -> dict[str, Any]:
    """Without a json_schema (json_object mode) read the field list from the prompt."""
    props: dict[str, Any] = {}
    for name, kind in re.findall(r"^- ([a-z][a-z0-9_]*) \(([^)]*)", system, re.M):
        if kind.startswith("list"):
            props[name] = {"type": "array", "items": {"type": "object", "properties": {}}}
        else:
            props[name] = {"type": ["string", "null"], "description": kind}
    return {"type": "object", "properties": props}


def fill(schema: dict[str, Any], text: str) -> dict[str, Any]:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not PAGE_HEADER.match(ln)]
    out: dict[str, Any] = {}
    for name, prop in schema.get("properties", {}).items():
        if prop.get("type") == "array":
            out[name] = items(lines, prop.get("items", {}).get("properties", {}))
        else:
            out[name] = scalar(name, prop, lines)
    return out


def kind_of(name: str, prop: dict[str, Any]) -> str:
    desc = prop.get("description", "")
    types = prop.get("type")
    types = types if isinstance(types, list) else [types]
    if "YYYY-MM-DD" in desc or name.endswith("date"):
        return "date"
    if "decimal string" in desc:
        return "amount"
    if "ISO 4217" in desc or name == "currency":
        return "currency"
    if "number" in types or "integer" in types:
        return "number"
    return "boolean" if "boolean" in types else "string"


def scalar(name: str, prop: dict[str, Any], lines: list[str]) -> Any:
    kind = kind_of(name, prop)
    if kind == "currency":
        return currency("\n".join(lines))
    if kind == "boolean":
        return None
    parsers = {"date": parse_date, "amount": parse_amount, "number": parse_number}
    parse = parsers.get(kind, parse_id if name.endswith("_id") else str)
    for candidate in labelled(name, lines):
        value = parse(candidate)
        if value:
            return value
    if name == "vendor" and lines:
        return lines[0]
    if name == "vendor_address" and len(lines) > 2:
        return ", ".join(lines[1:3])
    if kind == "date" and name == "date":
        return next((d for d in map(parse_date, lines) if d), None)
    return None


def labelled(name: str, lines: list[str]) -> list[str]:
    """Text after a label for `name` on the same line, else the next line."""
    labels = SYNONYMS.get(name, [name.replace("_", " ")])
    found = []
    for label in labels:
        pattern = re.compile(
            rf"^{re.escape(label)}\b(?!\s*(?:id|no|number|reg|before|excl)\b)\s*[:#.]?\s*(.*)$",
            re.I,
        )
        for i, line in enumerate(lines):
            match = pattern.match(line)
            if match:
                rest = match.group(1).strip().lstrip("#:. ")
                found.append(rest or (lines[i + 1] if i + 1 < len(lines) else ""))
    return found


def parse_date(text: str) -> str | None:
    match = _DATE.search(text)
    if not match:
        return None
    g = match.groupdict()
    if g["iso"]:
        return g["iso"]
    if g["d"]:
        day, month, year = int(g["d"]), int(g["m"]), int(g["y"])
    else:
        mon = (g["mon"] or g["mon3"]).lower()
        month = MONTHS.get(mon[:3]) or MONTHS.get(mon, 0)
        day, year = int(g["d2"] or g["d3"]), int(g["y2"] or g["y3"])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def parse_amount(text: str) -> str | None:
    matches = _AMOUNT.findall(text.replace("€", " ").replace("$", " "))
    if not matches:
        return None
    decimals = [m for m in matches if re.search(r"[.,]\d{1,2}$", m)]
    raw = re.sub(r"[\s']", "", decimals[-1] if decimals else matches[0])
    if re.search(r",\d{1,2}$", raw):
        raw = raw.replace(".", "").replace(",", ".")
    else:
        raw = raw.replace(",", "")
    try:
        return f"{Decimal(raw):.2f}"
    except InvalidOperation:
        return None


def parse_id(text: str) -> str | None:
    match = re.search(r"\b[A-Z]{2}[0-9A-Z]{6,14}\b|\b\d{6,14}\b", text.replace(" ", ""))
    return match.group(0) if match else None


def parse_number(text: str) -> float | None:
    amount = parse_amount(text)
    return float(amount) if amount is not None else None


def currency(text: str) -> str | None:
    code = re.search(rf"\b({'|'.join(CODES.split())})\b", text)
    if code:
        return code.group(1)
    return next((iso for sign, iso in CURRENCY_SIGNS.items() if sign in text), None)


def items(lines: list[str], props: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for line in lines:
        match = _ITEM.match(line)
        if not match:
            continue
        values = {
            "description": match["desc"].strip(),
            "quantity": parse_number(match["qty"]),
            "unit_price": parse_amount(match["unit"]),
            "amount": parse_amount(match["amount"]),
        }
        found.append({k: values.get(k) for k in props} if props else values)
    return found


def corrupt(answer: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Schema-typed values that break the format, as models do: 31/02/2024, "12.34 + 2.34 VAT"."""
    bad = dict(answer)
    for name, prop in schema.get("properties", {}).items():
        kind = kind_of(name, prop) if prop.get("type") != "array" else "array"
        if kind == "date":
            bad[name] = "31/02/2024"
        elif kind == "amount":
            bad[name] = "12.34 + 2.34 VAT"
    return bad


def break_arithmetic(answer: dict[str, Any]) -> dict[str, Any]:
    """A model that misreads the total by 10.00: well-formed, but the sums no longer agree."""
    bad = dict(answer)
    if bad.get("total") is not None:
        bad["total"] = f"{Decimal(str(bad['total'])) + 10:.2f}"
    return bad

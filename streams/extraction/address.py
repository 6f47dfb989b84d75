"""The vendor's address: the lines under its name (or the rest of the name's line, or, when
nothing under a name printed lower down reads as one, the address block right above it).

An address block ends at a phone, tax-id, web or title line, at a line with a price (an item
row), at running text and at a wide vertical gap; registration numbers, dates and a legal-form
line of the name ("CO. (M) SDN BHD") before it are skipped.
"""

from __future__ import annotations

import re

from streams.extraction import labels as L
from streams.extraction.dates import find_dates
from streams.extraction.items import table_header
from streams.extraction.layout import Block, Layout, union
from streams.extraction.names import ADDRESS_WORD, MONEY, PLACE, STREET_WORD
from streams.extraction.rules import Found

ADDRESS_STOP = L.rx(
    "=tel", "telephone", "phone", "=mobile", "=mob", "whatsapp", "=h/p", "handphone", "=fax",
    "=gst", "vat", "=btw", "=tva", "=ust", "email",
    "e-mail", "www", "http", "@", "invoice", "receipt", "=tax", "=date", "cashier", "=kvk",
    "telefon", "=tél", "=beleg", "kassenbon", "=ticket", "kassabon", "factuur", "rechnung",
    "facture", "=bon",
    "iban", "=bic", "swift", "=hrb", "=abn", "=tin", "handelsregister", "registergericht",
    "number", "siret", "siren", "=rcs", "=ape", "=gstin", "=uen", "=ein",
)
MAX_ADDRESS_WORDS = 14
# a price ends an address block; "31,31A, Jalan ..." (house numbers), "U13,40I70" (a
# section and a postcode whose 1 OCR read as I) and "750.16Paris" (a postcode with a stray
# dot, glued to its town) are not one
PRICE = re.compile(MONEY.pattern + r"(?![A-Za-z]{1,2}[,\s]|[A-Za-z]\d|[A-Z][a-z]{2})")
# glued words, an e-mail, a care line or a bare phone number ("careline:1800881231",
# "(555) 555-0123")
_GLUED_STOP = re.compile(r"invoice|receipt|cashier|tel[:.]|gst\s*(?:id|reg|no)|@|(?<!\d)\d{8,}|"
                         r"\(\d{3}\)[\s.]*\d{3}|"
                         r"(?<![\d-])\d{2,4}-\d{3,4}-?\d{4}(?!\d)|care\s*line|hot\s*line",
                         re.IGNORECASE)
ADDRESS_SKIP = re.compile(
    r"^\W*[(（][^)）]*[)）]\W*$|^\W*\d{5,8}-?[A-Z]\W*$|co[mn]pany\s*(?:reg|no)|co[.\s-]*reg|"
    r"reg(?:istration)?\s*no|formerly|licensee",
    re.IGNORECASE,
)


def pick_vendor_address(layout: Layout, vendor: Found | None) -> Found | None:
    """Lines under the vendor's name (or after it on its line) that read like an address."""
    if vendor is None:
        return None
    home = layout.block_at(vendor.row, vendor.bbox[0]) or layout.rows[vendor.row][0]
    return (_address_after_name(home, vendor.value) or _address_below(layout, home, vendor.value)
            or _address_above(layout, home))


def _address_after_name(home: Block, name: str) -> Found | None:
    """The rest of the name's line: "ACME AG - Hafenweg 4 - 20457 Hamburg"."""
    at = home.text.find(name)
    rest = home.text[at + len(name):].strip(" ,;:-–|·•") if at >= 0 else ""
    words = re.sub(r"[(（][^)）]*[)）]?", "", rest)  # registration numbers are not addresses
    if len(re.findall(r"[^\W\d_]", words)) < 3 or not ADDRESS_WORD.search(words) or _stop(rest):
        return None
    text = re.sub(r"\s+[-–|·•]\s+", ", ", rest)
    return Found(text, home.page, home.span_bbox(len(home.text) - len(rest), len(home.text)),
                 0.6, home.row)


def _address_below(layout: Layout, home: Block, name: str) -> Found | None:
    """Up to five address-like lines under the name, before phone/tax-id/title lines."""
    brand = _first_word(name)
    lines: list[Block] = []
    prev, skipped = home, 0
    for row in layout.rows[home.row + 1: home.row + 9]:
        over = [b for b in row if b.page == home.page
                and min(b.bbox[2], home.bbox[2]) - max(b.bbox[0], home.bbox[0]) > 0]
        if not over:
            continue
        other = over[0]
        if other.bbox[1] - prev.bbox[3] > 2.5 * max(prev.height, 0.005) or len(lines) >= 5:
            break
        prev = other
        if _stop(other.text):
            skipped += 1
            if len(lines) == 1 and len(lines[0].text.split()) <= 2 and not (
                    PLACE.search(lines[0].text)):
                lines = []  # "Bentong-2" over a tax id: a branch's name, its address is lower
            if lines or skipped > 2:  # a tax-id line may sit between a shop's name and address
                break
            continue
        if len(other.text.split()) > MAX_ADDRESS_WORDS or other.row in layout.table_rows or any(
                PRICE.search(b.text) for b in row) or table_header(row) is not None:
            break  # running text, an item row or the items' header, not an address block
        if not lines and (not ADDRESS_WORD.search(other.text) or _outlet(other.text, brand)):
            continue  # the name's other lines ("CO. (M) SDN BHD", "TRADING") or the outlet's
        if not ADDRESS_SKIP.search(other.text) and not find_dates(other.text):
            lines.append(other)
    while lines and not ADDRESS_WORD.search(lines[0].text):
        lines.pop(0)
    if not lines:
        return None
    text = ", ".join(b.text.strip(" ,") for b in lines)
    return Found(text, home.page, union([b.bbox for b in lines]), 0.55, lines[0].row)


def _address_above(layout: Layout, home: Block) -> Found | None:
    """The address block right over a name printed lower down, past its phone and mail lines
    (a shop in a mall prints the mall, its address, then the company's name)."""
    lines: list[Block] = []
    for row in layout.rows[max(0, home.row - 8): home.row][::-1]:
        over = [b for b in row if b.page == home.page]
        if not over or _stop(over[0].text) and not lines:
            continue
        line = over[0]
        if _stop(line.text) or not ADDRESS_WORD.search(line.text) or len(lines) >= 5 or any(
                PRICE.search(b.text) for b in over):
            break
        lines.insert(0, line)
    if not lines:
        return None
    text = ", ".join(b.text.strip(" ,") for b in lines)
    return Found(text, home.page, union([b.bbox for b in lines]), 0.5, lines[0].row)


def _outlet(text: str, brand: str) -> bool:
    """An outlet's name under the company's: "Nando's 1 Mont Kiara" under "Nando's Chickenland
    Malaysia Sdn Bhd" (its first word, and no street word or postcode)."""
    return _first_word(text) == brand and not PLACE.search(text) and not (
        STREET_WORD.search(text))


def _first_word(text: str) -> str:
    words = re.findall(r"[^\W\d_]{3,}", text.casefold())
    return words[0] if words else ""


def _stop(text: str) -> bool:
    """Lines that end an address block (OCR glues words, so some match anywhere)."""
    return bool(ADDRESS_STOP.search(text) or _GLUED_STOP.search(text))

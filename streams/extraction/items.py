"""Line items from a table: a header row of column words, then item rows until the totals.

An item row has money to the right of its description; reading right to left, the last
amount is the line amount, an amount before it is the unit price (the one that makes
quantity x price = amount, if any), and a plain number is the quantity. Rows without money
continue the description of the item above (or, before any amount, of the next one: receipts
print the name on one line and the figures on the next). Without a header row we report no
items rather than guess.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from streams.extraction import labels as L
from streams.extraction.layout import Block, Layout
from streams.extraction.rules import amount_spans

DESC = L.rx("description", "omschrijving", "beschreibung", "bezeichnung", "désignation",
            "designation", "libellé", "libelle", "leistung", "item", "artikel", "article",
            "product", "produit", "produkt", "=title", "particulars", "=service", "=dienst")
QTY = L.rx("=qty", "quantity", "menge", "anzahl", "aantal", "hoeveelheid", "quantité", "=qté",
           "=nombre", "=pcs", "=stk", "=units")
PRICE = L.rx("price", "=rate", "prijs", "preis", "p.u", "prix", "=tarif", "u/p", "s/price",
             "u.price")
AMOUNT = L.rx("amount", "total", "bedrag", "betrag", "montant", "totaal", "gesamt")
END = [L.TOTAL[3], L.TOTAL[2], *L.SUBTOTAL.values(), *L.TAX.values()]
_PERCENT = re.compile(r"\d+(?:[.,]\d+)?\s?%")
_QTY = re.compile(r"(?<![\w.,])(\d{1,4}(?:[.,]\d{1,3})?)(?:\s?(?:x|pcs|pc|st|stk|stuks|×))?(?![\w.,%])",
                  re.IGNORECASE)
MAX_ROW_GAP = 6.0  # line heights of empty space that end a table


def _header(row: list[Block]) -> tuple[float, float] | None:
    """The description column's x-range when `row` is a table header, else None."""
    text = " ".join(b.text for b in row)
    kinds = [bool(p.search(text)) for p in (DESC, QTY, PRICE, AMOUNT)]
    if sum(kinds) < 2 or not (kinds[2] or kinds[3]) or any(amount_spans(b.text) for b in row):
        return None
    for block in row:
        match = DESC.search(block.text)
        if match:
            box = block.span_bbox(*match.span())
            return box[0], box[2]
    return (0.0, 0.0)


def _desc_block(row: list[Block], column: tuple[float, float]) -> Block | None:
    def overlap(b: Block) -> float:
        return min(b.bbox[2], column[1]) - max(b.bbox[0], column[0])

    lettered = [b for b in row if re.search(r"[^\W\d_]{3,}", b.text)]
    over = [b for b in lettered if overlap(b) > 0]
    if over:
        return max(over, key=overlap)
    return lettered[0] if lettered and lettered[0] is row[0] else None


def _is_end(row: list[Block]) -> bool:
    return any(p.search(b.text) for b in row[:2] for p in END) and any(
        amount_spans(b.text) for b in row)


def _figures(blocks: list[Block]) -> dict[str, Any]:
    text = "  ".join(b.text for b in blocks)
    text = _PERCENT.sub(lambda m: " " * len(m.group()), text)
    amounts = amount_spans(text)
    if not amounts:
        return {}
    item: dict[str, Any] = {"amount": amounts[-1][2]}
    masked = text
    for start, end, _ in amounts:
        masked = masked[:start] + " " * (end - start) + masked[end:]
    qtys = [m.group(1).replace(",", ".") for m in _QTY.finditer(masked[:amounts[-1][0]])]
    prices = [a[2] for a in amounts[:-1]]
    total = Decimal(item["amount"])
    for qty in qtys or ["1"]:
        for price in prices:
            if Decimal(qty) * Decimal(price) == total:
                item.update(quantity=float(qty), unit_price=price)
                return item
    if prices:
        item["unit_price"] = prices[0]
    if qtys:
        item["quantity"] = float(qtys[0])
    return item


def extract_items(layout: Layout) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    column: tuple[float, float] | None = None
    pending: list[str] = []
    last: Block | None = None
    for row in layout.rows:
        head = _header(row)
        if head is not None:
            column, pending, last = head, [], row[0]
            continue
        if column is None or last is None:
            continue
        gap = row[0].bbox[1] - last.bbox[3]
        if row[0].page != last.page or gap > MAX_ROW_GAP * max(last.height, 0.008) or _is_end(row):
            if items:
                _append(items[-1], pending)
            column, pending = None, []
            continue
        last = row[0]
        desc = _desc_block(row, column)
        right = [b for b in row if b is not desc and (desc is None or b.bbox[0] >= desc.bbox[2])]
        figures = _figures(right)
        if not figures:
            if desc is not None:
                pending.append(desc.text)
            continue
        if desc is None:
            description = "\n".join(pending)
        elif items:
            _append(items[-1], pending)
            description = desc.text
        else:
            description = "\n".join([*pending, desc.text])
        pending = []
        items.append({"description": description, **figures})
    if items:
        _append(items[-1], pending)
    return items


def _append(item: dict[str, Any], lines: list[str]) -> None:
    if lines:
        item["description"] = "\n".join([item["description"], *lines]).strip()

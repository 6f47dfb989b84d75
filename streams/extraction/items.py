"""Line items from a table: a header row of column words, then item rows until the totals.

An item row has money to the right of its description; reading right to left, the last
amount is the line amount, an amount before it is the unit price (the one that makes
quantity x price = amount, if any), and a plain number is the quantity. Rows without money
continue the description of the item above (or, before any amount, of the next one: receipts
print the name on one line and the figures on the next).

Many receipts print no header. Their items are the rows with money right above a totals row,
taken only when their amounts add up to the subtotal or the total (`items_by_sum`): the sum is
the evidence, so without it we report no items rather than guess.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, NamedTuple

from streams.extraction import labels as L
from streams.extraction.layout import Block, Layout, union
from streams.extraction.rules import Found, amount_spans

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
_QTY = re.compile(
    r"(?<![\w.,])(\d{1,4}(?:[.,]\d{1,3})?)(?:\s?(?:x|pcs|pc|st|stk|stuks|×))?(?![\w.,%])",
    re.IGNORECASE,
)
MAX_ROW_GAP = 6.0  # line heights of empty space that end a table
MAX_ENDS = 3  # totals rows tried as the end of a table without a header
MAX_UNLABELLED_ROWS = 40  # rows above a totals row searched for its items
_TAX_CODE = re.compile(r"(?<=[.,]\d\d)(?:SR|ZR|S|Z)(?![A-Za-z])")
_COUNT = re.compile(r"(?i)(?:items?|qty|quantity)(?:\(s\))?\s*:\s*\d+\b")
_SUMMARY = L.rx("=charges", "=credits", "=discount", "=balance", "=paid", "=payment", "=deposit",
                "=amount", "=amt", "=due", "=net", "=fees")
_NOT_A_NAME = L.rx("invoice", "receipt", "cashier", "=table", "date", "=tel", "gst", "=vat",
                   "merchant", "number")


def table_header(row: list[Block]) -> tuple[float, float] | None:
    """The description column's x-range when `row` is a table header, else None; a totals
    row ("Total Item(s): 1") is none."""
    kinds = _columns(" ".join(b.text for b in row))
    if sum(kinds) < 2 or not (kinds[2] or kinds[3]) or any(amount_spans(b.text) for b in row):
        return None
    if _is_end(row):
        return None
    for block in row:
        match = DESC.search(block.text)
        if match:
            box = block.span_bbox(*match.span())
            return box[0], box[2]
    return (0.0, 0.0)


def _columns(text: str) -> list[bool]:
    """Which column words `text` holds: description, quantity, price, amount."""
    return [bool(p.search(text)) for p in (DESC, QTY, PRICE, AMOUNT)]


def _header_tail(row: list[Block]) -> bool:
    """The second line of a two-line header ("VK-Preis / ohne MwSt.")."""
    text = " ".join(b.text for b in row)
    return not re.search(r"\d", text) and (any(_columns(text)) or bool(L.TAX[2].search(text)))


def _desc_block(row: list[Block], column: tuple[float, float]) -> Block | None:
    def overlap(b: Block) -> float:
        return min(b.bbox[2], column[1]) - max(b.bbox[0], column[0])

    lettered = [b for b in row if re.search(r"[^\W\d_]{3,}", b.text)]
    over = [b for b in lettered if overlap(b) > 0]
    if over:
        return max(over, key=overlap)
    return lettered[0] if lettered and lettered[0] is row[0] else None


def _is_end(row: list[Block]) -> bool:
    """A totals row: a total/subtotal/tax label opens the row (or precedes its money), or
    the count of items under them ("Item(s): 2 Qty(s): 2")."""
    first = re.sub(r"^[\W\d_]+", "", row[0].text)
    if _COUNT.match(first):
        return True
    if any(p.match(first) for p in END) and any(ch.isdigit() for b in row for ch in b.text):
        return True
    return any(p.search(b.text) for b in row[:2] for p in END) and any(
        amount_spans(b.text) for b in row)


def _figures(blocks: list[Block], unglue: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    """Amount, unit price and quantity of one row, and where each was printed; `unglue`:
    read amounts with a tax code glued to their cents."""
    if not blocks:
        return {}, {}
    row = Block(page=blocks[0].page, words=[w for b in blocks for w in b.words], row=blocks[0].row)
    text = _PERCENT.sub(lambda m: " " * len(m.group()), _unglue(row.text) if unglue else row.text)
    amounts = amount_spans(text)
    if not amounts:
        return {}, {}
    masked = text
    for start, end, _ in amounts:
        masked = masked[:start] + " " * (end - start) + masked[end:]
    qtys = [m for m in _QTY.finditer(masked[:amounts[-1][0]])]
    item: dict[str, Any] = {"amount": amounts[-1][2]}
    where = {"amount": row.span_bbox(*amounts[-1][:2])}
    price = qty = None
    total = Decimal(item["amount"])
    options: list[re.Match[str] | None] = [*qtys] or [None]
    pairs = [(q, a) for q in options for a in amounts[:-1]]
    for q, a in pairs:
        if Decimal(q.group(1).replace(",", ".") if q else "1") * Decimal(a[2]) == total:
            qty, price = q, a
            break
    else:
        price = amounts[0] if len(amounts) > 1 else None
        qty = qtys[0] if qtys else None
    if price:
        item["unit_price"], where["unit_price"] = price[2], row.span_bbox(*price[:2])
    if qty:
        item["quantity"] = float(qty.group(1).replace(",", "."))
        where["quantity"] = row.span_bbox(*qty.span(1))
    return item, where


def _unglue(text: str) -> str:
    """`text` with a tax code glued to an amount's cents blanked ("12.00SR" -> "12.00  ")."""
    return _TAX_CODE.sub(lambda m: " " * len(m.group()), text)


def _split_figures(block: Block) -> tuple[Block, Block | None]:
    """A block that holds a name and its figures ("Durafile(110x95mm) 200SR 116.60"), split after
    the name's last word with letters; (block, None) when no amount follows the name."""
    lettered = [n for n, w in enumerate(block.words) if re.search(r"[^\W\d_]{3,}", w.text)]
    cut = lettered[-1] + 1 if lettered else 0
    tail = block.words[cut:]
    if not cut or not tail or not amount_spans(_unglue(" ".join(w.text for w in tail))):
        return block, None
    return (Block(page=block.page, words=block.words[:cut], row=block.row),
            Block(page=block.page, words=tail, row=block.row))


class ItemRow(NamedTuple):
    item: dict[str, Any]
    where: dict[str, tuple[int, Any]]  # field -> (page, bbox)
    row: int  # the layout row with the item's figures


class _Table:
    """Reads the rows of one table, from its header (or first item) until its totals."""

    def __init__(self, column: tuple[float, float], last: Block, items: list[ItemRow],
                 split: bool = False) -> None:
        self.column, self.last, self.items = column, last, items
        # only where a sum checks the reading: figures joined to the name, tax codes glued
        # to the cents ("12.00SR", "71.60S": standard-, zero-rated)
        self.split = split
        self.pending: list[Block] = []

    def feed(self, row: list[Block]) -> bool:
        """Read one row; False when the table ended before it (a gap, a page, a totals row)."""
        gap = row[0].bbox[1] - self.last.bbox[3]
        if (row[0].page != self.last.page or gap > MAX_ROW_GAP * max(self.last.height, 0.008)
                or _is_end(row)):
            self.close()
            return False
        self.last = row[0]
        if not self.items and not self.pending and _header_tail(row):
            return True
        desc = _desc_block(row, self.column)
        right = [b for b in row if b is not desc and (desc is None or b.bbox[0] >= desc.bbox[2])]
        figures, where = _figures(right, self.split)
        if not figures and desc is not None and self.split:  # OCR joined name and figures
            desc, tail = _split_figures(desc)
            figures, where = _figures([tail, *right], True) if tail else ({}, {})
        if not figures:
            if desc is not None:
                self.pending.append(desc)
            return True
        if desc is not None and self.items:
            _append(self.items, self.pending)
            self.pending = []
        lines = [*self.pending, desc] if desc is not None else self.pending
        figures = {"description": "\n".join(b.text for b in lines) or None, **figures}
        if lines:
            where["description"] = union([b.bbox for b in lines])
        self.items.append(ItemRow(figures, {k: (row[0].page, box) for k, box in where.items()},
                                  row[0].row))
        self.pending = []
        return True

    def close(self) -> None:
        _append(self.items, self.pending)
        self.pending = []


def extract_items(layout: Layout) -> list[ItemRow]:
    """Every table row with money, in reading order, with where each value was printed."""
    items: list[ItemRow] = []
    table: _Table | None = None
    for row in layout.rows:
        head = table_header(row)
        if head is not None:
            table = _Table(head, row[0], items)
        elif table is not None and not table.feed(row):
            table = None
    if table is not None:
        table.close()
    return items


def items_by_sum(layout: Layout, sums: list[Found | None]) -> list[ItemRow]:
    """Item rows of a document that prints no table header (many receipts): the rows with
    money right above a totals row (or the row `sums` were read from: the subtotal, the
    total), when their amounts add up to one of `sums` or to the subtotal or total printed
    on that row. The sum is the evidence: when nothing adds up, no items are reported."""
    found = {Decimal(str(f.value)) for f in sums if f is not None}
    rows = layout.rows
    ends = sorted({*[n for n, row in enumerate(rows) if _is_end(row)][:MAX_ENDS],
                   *[f.row for f in sums if f is not None]})
    for end in ends:
        goals = found | _printed_sum(rows[end])
        start = _first_item_row(rows, end, goals, set(ends)) if goals else None
        if start is None:
            continue
        items: list[ItemRow] = []
        table = _Table((0.0, 0.0), rows[start][0], items, split=True)
        if _desc_block(rows[start], (0.0, 0.0)) is None:  # its name is printed above it
            table.pending = _name_lines(rows, start)
        for row in rows[start:end]:
            if not table.feed(row):
                break
        table.close()
        # money alone is no item, nor is a label ("Gubtotal: 15.90", its word misread)
        names = [(i.item.get("description") or "").rstrip() for i in items]
        named = all(n and not n.endswith(":") for n in names)
        if items and named and sum(Decimal(i.item["amount"]) for i in items) in goals:
            return items
    return []


def _printed_sum(row: list[Block]) -> set[Decimal]:
    """The amount a subtotal or total row prints ("Sub Total 179.00"); none on a tax row."""
    text = " ".join(b.text for b in row)
    spans = amount_spans(text)
    if not spans or any(p.search(text) for p in L.TAX.values()):
        return set()
    return {Decimal(spans[-1][2])}


def _first_item_row(rows: list[list[Block]], end: int, goals: set[Decimal],
                    ends: set[int]) -> int | None:
    """The highest row above `end` from which the rows' last amounts add up to a goal; the
    search stops at a header, another totals row or a summary line ("Credits 0.00")."""
    running, start = Decimal(0), None
    for n in range(end - 1, max(-1, end - MAX_UNLABELLED_ROWS), -1):
        row = rows[n]
        if (row[0].page != rows[end][0].page or n in ends or table_header(row) is not None
                or _SUMMARY.match(row[0].text)):
            break
        spans = amount_spans(_unglue(" ".join(b.text for b in row)))
        if spans:
            running += Decimal(spans[-1][2])
            start = n if running in goals else start
            if running > max(goals):
                break
    return start


def _name_lines(rows: list[list[Block]], start: int) -> list[Block]:
    """Up to two lines right above an item row whose figures have no name beside them
    ("PADLOCK 50MM" over "6942131561507 1X9.90 9.90"); never a label, title or money line,
    nor a header OCR garbled past recognition ("ITEM QTP U/P DISC% AMOUNT")."""
    lines: list[Block] = []
    below = rows[start][0]
    for row in (rows[n] for n in range(start - 1, max(-1, start - 3), -1)):
        text = " ".join(b.text for b in row)
        if (not re.search(r"[^\W_]{3,}", text) or re.search(r"\d{6,}|:", text)
                or sum(_columns(text)) >= 2
                or amount_spans(text) or _NOT_A_NAME.search(text) or row[0].page != below.page
                or row[0].bbox[1] - below.bbox[3] > below.height):
            break
        lines.insert(0, Block(page=row[0].page, words=[w for b in row for w in b.words],
                              row=row[0].row))
        below = row[0]
    return lines


def _append(items: list[ItemRow], lines: list[Block]) -> None:
    """Continuation lines extend the last item's description (and its box)."""
    if not items or not lines:
        return
    item, where, _ = items[-1]
    item["description"] = "\n".join([item["description"] or "", *(b.text for b in lines)]).strip()
    page, box = where.get("description", (lines[0].page, lines[0].bbox))
    if page == lines[-1].page:
        where["description"] = (page, union([box, *(b.bbox for b in lines)]))

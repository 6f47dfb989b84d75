"""Total, subtotal and tax: labelled candidates, then the evidence that decides between them.

- a rounding line ("Rounding -0.02") makes the amount after it (total + rounding) the total;
- a zero total ("Amount due 0.00" after a payment) loses to any positive one;
- with two currency columns on the totals row, the first column is the document's own;
- a tax-included line ("incl. VAT 19% 3.19") is the tax, never the total;
- cash tendered minus change is the total when no total label is printed (and confirms one);
- cash rounding: when the amount payable after a rounding line is misread, the amount before it
  plus the rounding (a multiple of 0.05) is the total; so is tendered minus change when it is a
  multiple of 0.05 within a few cents of an unrounded total; a paid receipt's total is not 0.00;
- a consistent triple (subtotal + tax = total) wins.
"""

from __future__ import annotations

import re
from decimal import Decimal

from streams.extraction import labels as L
from streams.extraction.layout import Layout
from streams.extraction.normalize import find_amounts, find_currencies
from streams.extraction.rules import (
    TIER_SCORE,
    Found,
    _found,
    amount_spans,
    best,
    labelled,
    mask_dates,
)

_SPACED_COMMA = re.compile(r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+,\d{2}(?!\d)")


def total_spans(text: str) -> list:
    """Amounts of a labelled totals line; "1 381,08" is one amount there, not two."""
    if _SPACED_COMMA.search(text):
        masked = mask_dates(text)
        spaced = [s for s in find_amounts(masked, spaced=True)
                  if re.search(r"[.,]\d{1,2}$", masked[s[0]:s[1]])]
        if spaced:
            return spaced
    return amount_spans(text)


def _total_excluded(label: str) -> bool:
    # "GST 6% included in total": the total word is the tax line's own, not a total label
    if L.TOTAL_EXCLUDE.search(label) or L.TAX_INCLUDED_LINE.search(label) and not (
            L.TOTAL_WORDS.search(L.TAX_INCLUDED_LINE.sub(" ", label))):
        return True
    return bool(L.TAX_WORDS.search(label)) and not L.TAX_INCLUDED.search(label)


def _column_pick(layout: Layout, found: list[Found]) -> Found:
    """A totals row with several amounts ends with the grand total, unless the row names
    two currencies: then the first amount is the document's, the next a conversion."""
    if len(found) > 1:
        text = " ".join(b.text for b in layout.rows[found[0].row])
        if len({code for *_, code in find_currencies(text)}) > 1:
            return found[0]
    return found[-1]


OTHER_COLUMN = 0.1  # another amount on a totals row: a conversion or a column total


def total_candidates(layout: Layout) -> list[Found]:
    out = []
    for found in labelled(layout, L.TOTAL, total_spans, _total_excluded):
        pick = _column_pick(layout, found)
        if L.TAX_INCLUDED.search(pick.label) and pick.score < TIER_SCORE[3]:
            pick.score += TIER_SCORE[3] - TIER_SCORE[2]
        for other in found:
            if other is not pick:
                other.score = pick.score - OTHER_COLUMN
        out += [pick, *(f for f in found if f is not pick)]
    return out


def _digits_total(layout: Layout, sub: Found, tax: Found | None) -> Found | None:
    """A totals row whose digits spell subtotal + tax, or the subtotal (tax included), with
    its separator lost ("TOTAL 8688", "TOTAL 400")."""
    for expected in dict.fromkeys([Decimal(sub.value) + _value(tax), Decimal(sub.value)]):
        if found := _spelled_total(layout, expected):
            return found
    return None


def _spelled_total(layout: Layout, expected: Decimal) -> Found | None:
    want = re.sub(r"\D", "", f"{expected:.2f}")

    def spans(text: str) -> list:
        if any(Decimal(v) == expected for *_, v in amount_spans(text)):
            return []  # printed with its separator: a row the total rules excluded on purpose
        match = re.search(rf"(?<!\d){want}(?!\d)", re.sub(r"[.,\s]", "", text))
        return [(0, len(text), str(expected))] if match else []

    found = labelled(layout, L.TOTAL, spans, _total_excluded, below=False)
    return found[0][0] if found else None


def subtotal_candidates(layout: Layout) -> list[Found]:
    found = labelled(layout, L.SUBTOTAL, total_spans,
                     lambda t: bool(L.SUBTOTAL_EXCLUDE.search(t)))
    return [_column_pick(layout, f) for f in found]


def tax_candidates(layout: Layout) -> list[Found]:
    found = labelled(layout, L.TAX, total_spans, lambda t: bool(L.TAX_EXCLUDE.search(t)))
    included = labelled(layout, {2: L.TAX_INCLUDED_LINE}, total_spans,
                        lambda t: bool(L.TOTAL_WORDS.search(t)))
    return [f[0] for f in found] + [f[-1] for f in included]


_NOT_TOTAL_ROW = L.rx("change", "cash", "tender", "paid", "balance", "=tunai", "points",
                      "=baki", "rounding", "discount", "saving", "=bar", "rückgeld", "gegeben",
                      "contant", "wisselgeld", "espèces", "especes", "rendu")


def largest_amount(layout: Layout) -> Found | None:
    """Fallback total: the largest amount not on a change/cash/discount row."""
    cands = []
    for row in layout.rows:
        if any(_NOT_TOTAL_ROW.search(b.text) for b in row):
            continue
        for block in row:
            cands += [_found(block, s, e, v) for s, e, v in amount_spans(block.text)]
    found = best(cands, key=lambda f: Decimal(f.value))
    if found:
        found.score = 0.3
    return found


def _first(layout: Layout, pattern: re.Pattern[str]) -> Found | None:
    found = labelled(layout, {2: pattern}, amount_spans, below=False)
    return found[0][0] if found else None


def _payment(layout: Layout) -> tuple[Decimal, Found] | None:
    tendered, change = _first(layout, L.TENDERED), _first(layout, L.CHANGE)
    if tendered is None or change is None:
        return None
    paid, back = Decimal(tendered.value), abs(Decimal(change.value))
    return (paid - back, tendered) if paid > back else None


def payment_total(layout: Layout) -> Decimal | None:
    """Cash tendered minus change, when both are printed."""
    found = _payment(layout)
    return found[0] if found else None


def _rounding_steps(layout: Layout) -> list[Decimal]:
    adjustments = labelled(layout, {2: L.ROUNDING}, amount_spans,
                           lambda t: bool(L.TOTAL[3].search(t)), below=False)
    return [Decimal(a[-1].value) for a in adjustments if 0 < abs(Decimal(a[-1].value)) < 1]


def _rounded(totals: list[Found], layout: Layout, paid: Decimal | None) -> list[Found]:
    """Raise the amount payable after a rounding line over the amount before it; when it has
    no label, find it by value (or take tendered - change when that is what it comes to)."""
    for step in _rounding_steps(layout):
        pairs = [(b, a) for b in totals for a in totals if a.row > b.row
                 and abs(Decimal(a.value) - Decimal(b.value)) == abs(step)]
        for before, after in pairs:
            after.score = max(after.score, before.score) + 0.05
        top = best(totals, key=lambda f: Decimal(f.value))
        if pairs or top is None:
            continue
        payable = Decimal(top.value) + step
        found = _payment_found(layout, payable)
        if not found and paid == payable:
            found = [Found(str(payable), top.page, top.bbox, 0.0, top.row, top.label)]
        misread = [t for t in totals if t.row > top.row and abs(Decimal(t.value) - payable) < 1]
        if not found and cash_rounded(payable) and misread:  # "Net Total 87.16" read for 87.10
            found = [Found(str(payable), misread[0].page, misread[0].bbox, 0.0, misread[0].row,
                           misread[0].label)]
        for f in found:
            f.score = top.score + 0.05
        totals = totals + found
    return totals


def pick_amounts(layout: Layout) -> dict[str, Found | None]:
    """Total, subtotal and tax; a consistent triple (subtotal + tax = total) wins."""
    totals, subs = total_candidates(layout), subtotal_candidates(layout)
    payment = _payment(layout)
    paid = payment[0] if payment else None
    nonzero = [t for t in totals if Decimal(t.value) != 0]
    totals = nonzero or ([] if payment else totals)  # a paid receipt's total is not 0.00
    if not totals and payment is not None:
        where = payment[1]  # not printed by itself: cite the tendered amount it comes from
        totals = _payment_found(layout, payment[0]) or [
            Found(str(payment[0]), where.page, where.bbox, 0.35, where.row, where.label)]
    fallback = None
    if not totals and (fallback := largest_amount(layout)):
        totals = [fallback]
    for found in totals:
        if paid is not None and Decimal(found.value) == paid:
            found.score += 0.1
    totals = _rounded(totals, layout, paid)
    top_total = best(totals, key=lambda f: Decimal(f.value))
    top = Decimal(top_total.value) if top_total else None
    # the amount of a subtotal row is not the tax, though its label names it ("Totaal excl. BTW")
    net = {(s.row, s.value) for s in subs}
    taxes = [x for x in tax_candidates(layout) if (top is None or Decimal(x.value) < top)
             and (x.row, x.value) not in net]
    picked = {"total": top_total, "subtotal": best(subs), "tax": best(taxes)}
    triples = [
        (t, s, x) for t in totals for s in subs for x in taxes
        if Decimal(s.value) + Decimal(x.value) == Decimal(t.value) and Decimal(t.value) > 0
    ]
    # a triple overrides the best total only when that total is not clearly better read
    triples = [c for c in triples if top_total is None or c[0] is top_total
               or c[0].score >= top_total.score - OTHER_COLUMN]
    if triples:
        t, s, x = max(triples, key=lambda c: (c[0] is top_total, sum(f.score for f in c)))
        picked = {"total": t, "subtotal": s, "tax": x}
        for f in (t, s, x):
            f.score = min(1.0, f.score + 0.1)
    elif (top_total is None or top_total.score < TIER_SCORE[2] + 0.05) and picked[
            "subtotal"] and (repaired := _digits_total(layout, picked["subtotal"], picked["tax"])):
        repaired.score = min(repaired.score, 0.6)
        picked["total"] = repaired
    if payment and (total := picked["total"]) and _paid_rounds(paid, Decimal(total.value)):
        where = payment[1]
        picked["total"] = (_payment_found(layout, payment[0]) or [
            Found(str(payment[0]), where.page, where.bbox, 0.35, where.row, where.label)])[0]
        picked["total"].score = total.score
    if fallback is not None and picked["total"] is fallback:
        fallback.margin = 0.0  # chosen by size alone: no lead over the page's other amounts
    return picked


def _value(found: Found | None) -> Decimal:
    return Decimal(found.value) if found else Decimal(0)


def cash_rounded(value: Decimal) -> bool:
    """A multiple of 0.05: what a cash-rounded amount payable comes to."""
    return value % Decimal("0.05") == 0


def _paid_rounds(paid: Decimal | None, total: Decimal) -> bool:
    """Tendered - change is `total` rounded for cash (the printed payable line is unread)."""
    return (paid is not None and paid != total and abs(paid - total) < Decimal("0.05")
            and cash_rounded(paid) and not cash_rounded(total))


def _payment_found(layout: Layout, paid: Decimal) -> list[Found]:
    """The printed amount equal to tendered - change (an unlabelled total line), if any."""
    for row in layout.rows:
        if any(_NOT_TOTAL_ROW.search(b.text) for b in row):
            continue
        for block in row:
            for s, e, v in amount_spans(block.text):
                if Decimal(v) == paid:
                    found = _found(block, s, e, v)
                    found.score = 0.5
                    return [found]
    return []

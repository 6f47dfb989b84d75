"""Random A4 invoices with their ground truth (content only; `scangen` draws them).

Layouts: "A" vendor top left, "B" vendor top right, "C" (never tuned on) side-by-side
"Seller:" / "Buyer:" blocks with the company data in the footer, "D" (tuning only, seed 17 on)
the invoice number and dates as a strip of column headers over their values, "Bill To" beside
"Ship To" (another party), and the VAT id only in a footer with the bank details; "E" (tuning
only) a US invoice (docinvoice_us.py); "F" (tuning only) A with a discount and a shipping
charge between the subtotal and the tax.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from tests.streams import docvocab as V
from tests.streams.docinvoice_us import us_invoice
from tests.streams.docvariants import (
    Doc,
    _address,
    _amounts,
    _date,
    _name,
    _pick,
    fmt_date,
    money,
    ocr_confuse,
    q2,
)

VAT_RATE = {"en": Decimal("0.20"), "de": Decimal("0.19"), "fr": Decimal("0.20"),
            "nl": Decimal("0.21")}


def _vat_id(rng: random.Random, lang: str) -> str:
    digits = str(rng.randrange(10**8, 10**9))
    return {"en": f"GB{digits}", "de": f"DE{digits}", "fr": f"FR{rng.randrange(10, 99)}{digits}",
            "nl": f"NL{digits}B01"}[lang]


def invoice(rng: random.Random, pool: str, layouts: str) -> Doc:
    lang = rng.choice(V.LANGS)
    cur = rng.choice(V.CURRENCIES[lang])
    layout = rng.choice(layouts)  # drawn in this order so that older seeds stay the same
    if layout == "E":
        return us_invoice(rng, pool)
    doc = Doc("invoice", (595.0, 842.0))
    doc.features.append(f"layout_{layout}")
    adjust, layout = layout == "F", "A" if layout == "F" else layout  # F: A with adjustments
    day = _date(rng)
    name = _name(rng, pool, lang, True)
    street, town = _address(rng, lang)
    customer = rng.choice(V.PEOPLE[pool])
    c_street, c_town = _address(rng, lang)
    vat = _vat_id(rng, lang)
    number = f"{rng.choice(['INV', 'RE', 'F', ''])}{day.year}-{rng.randrange(100, 9999):04d}"
    due = day + timedelta(days=rng.choice([14, 30]))
    doc.fields.update(invoice_number=number, date=day.isoformat(), due_date=due.isoformat(),
                      vendor=name, vendor_address=f"{street}, {town}", vendor_vat_id=vat,
                      customer=customer, currency=cur)
    put = doc.blocks.append
    if rng.random() < 0.3:
        printed = day + timedelta(days=rng.randrange(40, 500))
        put((30, 22, f"{fmt_date(rng, printed, 'en')}, 10:{rng.randrange(10, 59)}", 6))
        put((250, 22, f"{_pick(rng, lang, 'invoice').title()} {number} - Portal", 6))
        put((540, 22, "1/1", 6))
        doc.features.append("print_header")
    vx, vy = (50, 60) if layout != "B" else (360, 60)
    two_lines = rng.random() < 0.3
    name_lines = [name] if not two_lines else [" ".join(name.split()[:2]),
                                               " ".join(name.split()[2:])]
    doc.features += ["two_line_name"] if two_lines else []
    if layout == "C":
        _parties_side_by_side(rng, doc, lang, name_lines, (street, town), customer,
                              (c_street, c_town))
    elif layout == "D":
        _layout_d(rng, doc, lang, name_lines, (street, town), customer, (c_street, c_town))
        _meta_strip(rng, doc, lang, number, day, due)
        _table(rng, doc, lang, cur, 290)
        iban = f"{vat[:2]}{rng.randrange(10, 99)} {rng.randrange(10**15, 10**16)}"
        put((50, 790, f"{_pick(rng, lang, 'vat')}: {vat} · IBAN {iban} · BIC "
                      f"{rng.choice(['COBADEFF', 'BNPAFRPP', 'INGBNL2A', 'BARCGB22'])}", 7))
        return doc
    else:
        for i, line in enumerate(name_lines):
            put((vx, vy + 16 * i, line, 14))
        y = vy + 16 * len(name_lines) + 2
        for line in (street, town, f"{_pick(rng, lang, 'tel')}: +{rng.randrange(10**9, 10**10)}",
                     f"{_pick(rng, lang, 'vat')}: {vat}"):
            put((vx, y, line, 9))
            y += 12
        tx = 360 if layout == "A" else 50
        put((tx, 60 if layout == "A" else 60, _pick(rng, lang, "invoice"), 18))
        _customer_block(rng, doc, lang, customer, (c_street, c_town),
                        (50, 170) if layout == "A" else (50, 110))
    meta_at = {"A": (360, 110), "B": (50, 210), "C": (360, 50)}[layout]  # clear of the parties
    _meta(rng, doc, lang, number, day, due, *meta_at)
    _table(rng, doc, lang, cur, 270, adjust)
    if layout == "C":
        put((50, 790, f"{name} · {street} · {town} · {_pick(rng, lang, 'vat')} {vat}", 7))
    if rng.random() < 0.25:
        put((50, 815, f"{_pick(rng, lang, 'printed')} {fmt_date(rng, due, lang)}", 6))
        doc.features.append("print_footer")
    return doc


def _parties_side_by_side(rng: random.Random, doc: Doc, lang: str, name_lines: list[str],
                          address: tuple[str, str], customer: str,
                          c_address: tuple[str, str]) -> None:
    put = doc.blocks.append
    put((50, 50, _pick(rng, lang, "invoice"), 18))
    put((50, 120, _pick(rng, lang, "seller"), 9))
    put((320, 120, _pick(rng, lang, "buyer"), 9))
    for i, line in enumerate([*name_lines, *address]):
        put((50, 134 + 12 * i, line, 9))
    for i, line in enumerate([customer, *c_address]):
        put((320, 134 + 12 * i, line, 9))
    doc.features.append("seller_buyer")


def _layout_d(rng: random.Random, doc: Doc, lang: str, name_lines: list[str],
              address: tuple[str, str], customer: str, c_address: tuple[str, str]) -> None:
    put = doc.blocks.append
    for i, line in enumerate(name_lines):
        put((50, 50 + 18 * i, line, 16))
    y = 54 + 18 * len(name_lines)
    site = "".join(ch for ch in name_lines[0].lower() if ch.isalpha())[:14]
    for line in (*address, f"{_pick(rng, lang, 'tel')} +{rng.randrange(10**9, 10**10)} · "
                           f"info@{site}.com · www.{site}.com"):
        put((50, y, line, 8))
        y += 11
    put((400, 50, _pick(rng, lang, "invoice"), 18))
    other = rng.choice([p for p in V.PEOPLE["tune"] if p != customer])
    s_street, s_town = _address(rng, lang)
    for x, label, lines in ((50, _pick(rng, lang, "bill"), [customer, *c_address]),
                            (320, _pick(rng, lang, "ship"), [other, s_street, s_town])):
        put((x, 200, label, 9))
        for i, line in enumerate(lines):
            put((x, 213 + 12 * i, line, 9))
    doc.features.append("ship_to")


def _meta_strip(rng: random.Random, doc: Doc, lang: str, number: str, day, due) -> None:
    """The invoice number and dates as column headers over their values."""
    put = doc.blocks.append
    values = (number, fmt_date(rng, day, lang), fmt_date(rng, due, lang))
    for x, key, value in zip((50, 200, 350), ("invno", "date", "due"), values, strict=True):
        put((x, 150, _pick(rng, lang, key).rstrip(":"), 8))
        put((x, 163, value, 9))
    doc.features.append("meta_strip")


def _customer_block(rng: random.Random, doc: Doc, lang: str, customer: str,
                    c_address: tuple[str, str], at: tuple[float, float]) -> None:
    x, y = at
    put = doc.blocks.append
    style = rng.choice(["colon", "nocolon", "summary"])
    doc.features.append(f"customer_{style}")
    if style == "summary":
        put((x, y, _pick(rng, lang, "summary"), 11))
        y += 14
    label = _pick(rng, lang, "bill")
    put((x, y, f"{label}:" if style == "colon" else label, 9))
    for i, line in enumerate([customer, *c_address]):
        put((x, y + 13 * (i + 1), line, 9))


def _meta(rng: random.Random, doc: Doc, lang: str, number: str, day, due, x: float,
          y: float) -> None:
    put = doc.blocks.append
    when = fmt_date(rng, day, lang)
    if any(ch.isalpha() for ch in when) and rng.random() < 0.5:
        when = ocr_confuse(rng, when)
        doc.features.append("month_confusion")
    if rng.random() < 0.2:
        when = f"{when}{rng.randrange(8, 18)}:{rng.randrange(10, 59)}"
        doc.features.append("date_glued")
    rows = [(_pick(rng, lang, "invno"), number),
            (_pick(rng, lang, "date").rstrip(":"), when),
            (_pick(rng, lang, "due"), fmt_date(rng, due, lang))]
    for i, (label, value) in enumerate(rows):
        put((x, y + 14 * i, f"{label}:", 9))
        put((x + 95, y + 14 * i, value, 9))


def _table(rng: random.Random, doc: Doc, lang: str, cur: str, y: float,
           adjust: bool = False) -> None:
    put = doc.blocks.append
    for x, key in ((50, "items"), (300, "qty"), (370, "price"), (480, "amount")):
        put((x, y, _pick(rng, lang, key), 9))
    lines = _amounts(rng, rng.randrange(1, 5))
    for i, (name, qty, price) in enumerate(lines):
        yy = y + 16 * (i + 1)
        price = price * 10
        put((50, yy, name, 9))
        put((305, yy, str(qty), 9))
        put((370, yy, money(price, lang), 9))
        put((480, yy, money(q2(qty * price), lang), 9))
    sub = sum((q2(q * p * 10) for _, q, p in lines), Decimal(0))
    adjustments = _adjustments(rng, lang, sub) if adjust else []
    rate = VAT_RATE[lang]
    tax = q2((sub + sum((a for _, a in adjustments), Decimal(0))) * rate)
    total = sub + sum((a for _, a in adjustments), Decimal(0)) + tax
    doc.fields.update(subtotal=str(sub), tax=str(tax), total=str(total))
    yy = y + 16 * (len(lines) + 3)
    glue_code = rng.random() < 0.25
    tail = f"{cur}" if glue_code else f" {cur}"
    doc.features += ["amount_glued"] if glue_code else []
    put((370, yy, _pick(rng, lang, "subtotal"), 9))
    put((480, yy, f"{money(sub, lang)}{tail}", 9))
    for label, amount in adjustments:
        yy += 14
        put((370, yy, label, 9))
        put((480, yy, f"{money(amount, lang)}{tail}", 9))
    put((370, yy + 14, f"{_pick(rng, lang, 'tax')}", 9))
    put((480, yy + 14, f"{money(tax, lang)}{tail}", 9))
    label = _pick(rng, lang, "total")
    kind = rng.choice(["plain", "glued", "due0", "twocur", "plain"])
    doc.features.append(f"total_{kind}")
    if kind == "glued":
        put((370, yy + 28, f"{label}:{money(total, lang)}{tail}", 9))
    elif kind == "twocur":
        other, fx = ("USD", Decimal("1.08")) if cur != "USD" else ("EUR", Decimal("0.93"))
        put((370, yy + 28, label, 9))
        put((430, yy + 28, f"{cur} {money(total, lang)}", 9))
        put((505, yy + 28, f"{other} {money(q2(total * fx), lang)}", 9))
    else:
        put((370, yy + 28, label, 9))
        put((480, yy + 28, f"{money(total, lang)}{tail}", 9))
    if kind == "due0":
        put((370, yy + 42, _pick(rng, lang, "paid"), 9))
        put((480, yy + 42, money(total, lang), 9))
        put((370, yy + 56, _pick(rng, lang, "due0"), 9))
        put((480, yy + 56, money(Decimal(0), lang), 9))


def _adjustments(rng: random.Random, lang: str, sub: Decimal) -> list[tuple[str, Decimal]]:
    """Layout F: a discount and a shipping charge printed between the subtotal and the tax."""
    discount = -q2(sub * rng.choice([Decimal("0.05"), Decimal("0.1")]))
    shipping = Decimal(rng.choice(["4.95", "9.90", "15.00"]))
    return [(_pick(rng, lang, "discount"), discount), (_pick(rng, lang, "shipping"), shipping)]

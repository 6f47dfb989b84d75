"""US documents, tuning only. Layout "E" (seed 20 on): an invoice with month-first dates, often
ambiguous (03/05/2024), an address ending in a state code and ZIP, dollars and sales tax.
Layout "R" (seed 22 on): a left-aligned till receipt (`us_receipt`)."""

from __future__ import annotations

import calendar
import random
from datetime import date, timedelta
from decimal import Decimal

from tests.streams import docvocab as V
from tests.streams.docvariants import Doc, _amounts, _date, _name, money, q2

CITIES = [("San Francisco", "CA", "94105"), ("Austin", "TX", "78701"), ("Seattle", "WA", "98101"),
          ("Chicago", "IL", "60601"), ("Boston", "MA", "02108"), ("Denver", "CO", "80202")]
STREETS = ["Market Street", "Elm Ave", "Lake Shore Drive", "Pine St, Suite 400", "Main Street"]


def _us_date(rng: random.Random, day: date) -> str:
    style = rng.randrange(3)
    if style == 0:
        return f"{day.month:02d}/{day.day:02d}/{day.year}"
    if style == 1:
        return f"{day.month}/{day.day}/{day.year}"
    return f"{calendar.month_name[day.month]} {day.day}, {day.year}"


def _address(rng: random.Random) -> tuple[str, str]:
    city, state, zip_code = rng.choice(CITIES)
    return f"{rng.randrange(10, 2000)} {rng.choice(STREETS)}", f"{city}, {state} {zip_code}"


def us_invoice(rng: random.Random, pool: str) -> Doc:
    doc = Doc("invoice", (612.0, 792.0))
    doc.features.append("layout_E")
    day = _date(rng).replace(day=rng.randrange(1, 29))  # day-first and month-first both read
    due = day + timedelta(days=rng.choice([15, 30, 45]))
    name = _name(rng, pool, "en", rng.random() < 0.6).replace(" Sdn Bhd", " Inc.")
    street, town = _address(rng)
    customer = rng.choice(V.PEOPLE[pool])
    c_street, c_town = _address(rng)
    number = f"{rng.randrange(1000, 99999)}"
    doc.fields.update(invoice_number=number, date=day.isoformat(), due_date=due.isoformat(),
                      vendor=name, vendor_address=f"{street}, {town}", customer=customer,
                      currency="USD")
    put = doc.blocks.append
    put((50, 50, "INVOICE", 22))
    for i, line in enumerate((name, street, town, f"Phone: ({rng.randrange(200, 999)}) 555-0"
                                                  f"{rng.randrange(100, 999)}")):
        put((50, 85 + 14 * i, line, 13 if i == 0 else 9))
    for i, (label, value) in enumerate((("Invoice #", number), ("Date", _us_date(rng, day)),
                                        ("Due Date", _us_date(rng, due)))):
        put((360, 85 + 14 * i, f"{label}:", 9))
        put((450, 85 + 14 * i, value, 9))
    put((50, 170, "Bill To", 9))
    for i, line in enumerate((customer, c_street, c_town)):
        put((50, 183 + 12 * i, line, 9))
    for x, head in ((50, "Item"), (300, "Qty"), (370, "Rate"), (480, "Amount")):
        put((x, 250, head, 9))
    lines = _amounts(rng, rng.randrange(1, 5))
    for i, (item, qty, price) in enumerate(lines):
        y = 266 + 16 * i
        for x, text in ((50, item), (305, str(qty)), (370, f"${money(price * 10, 'en')}"),
                        (480, f"${money(q2(qty * price * 10), 'en')}")):
            put((x, y, text, 9))
    sub = sum((q2(q * p * 10) for _, q, p in lines), Decimal(0))
    rate = rng.choice([Decimal("0.0625"), Decimal("0.0825"), Decimal("0.1025")])
    tax = q2(sub * rate)
    doc.fields.update(subtotal=str(sub), tax=str(tax), total=str(sub + tax))
    y = 266 + 16 * (len(lines) + 2)
    for i, (label, amount) in enumerate((("Subtotal", sub), (f"Sales Tax ({rate * 100:.2f}%)", tax),
                                         (rng.choice(["Total", "Balance Due", "Amount Due"]),
                                          sub + tax))):
        put((370, y + 14 * i, label, 9))
        put((480, y + 14 * i, f"${money(amount, 'en')}", 9))
    return doc


def us_receipt(rng: random.Random, pool: str) -> Doc:
    """Layout "R" (tuning only, seed 22 on): a US till receipt, left-aligned. Store numbers,
    item codes, a month-first date with a two-digit year, sales tax, a card or cash tender."""
    doc = Doc("receipt", (226.0, 0.0))
    doc.features.append("layout_R")
    day = _date(rng).replace(day=rng.randrange(1, 29))
    name = _name(rng, pool, "en", False).upper()
    street, town = _address(rng)
    doc.fields.update(vendor=name, vendor_address=f"{street}, {town}", date=day.isoformat())
    doc.add(name, "", "c", 11)
    doc.add(street.upper(), "", "c")
    doc.add(town.upper(), "", "c")
    doc.add(f"({rng.randrange(200, 999)}) 555-0{rng.randrange(100, 999)}", "", "c")
    doc.add(f"ST# {rng.randrange(1000, 9999)} OP# {rng.randrange(10, 99)} "
            f"TE# {rng.randrange(1, 20):02d} TR# {rng.randrange(1000, 9999)}")
    lines = _amounts(rng, rng.randrange(2, 6))
    for item, qty, price in lines:
        code = f"{rng.randrange(10**11, 10**12)}"
        if qty > 1:
            doc.add(f"{item.upper()} {code}")
            doc.add(f"  {qty} AT 1 FOR {money(price, 'en')}", f"{money(q2(qty * price), 'en')} X")
        else:
            doc.add(f"{item.upper()} {code}", f"{money(price, 'en')} X")
    sub = sum((q2(q * p) for _, q, p in lines), Decimal(0))
    rate = rng.choice([Decimal("0.0625"), Decimal("0.0825"), Decimal("0.07")])
    tax = q2(sub * rate)
    total = sub + tax
    doc.fields.update(subtotal=str(sub), tax=str(tax), total=str(total))  # no "$": no currency
    doc.add("SUBTOTAL", money(sub, "en"))
    doc.add(f"TAX 1 {rate * 100:.3f} %", money(tax, "en"))
    doc.add("TOTAL", money(total, "en"), "l", 10)
    if rng.random() < 0.5:
        doc.add("VISA TEND", money(total, "en"))
        doc.add(f"ACCOUNT # **** **** **** {rng.randrange(1000, 9999)}")
        doc.add("CHANGE DUE", "0.00")
    else:
        tendered = (total / 10).quantize(Decimal(1), rounding="ROUND_CEILING") * 10 + 10
        doc.add("CASH TEND", money(tendered, "en"))
        doc.add("CHANGE DUE", money(q2(tendered - total), "en"))
    doc.add(f"# ITEMS SOLD {sum(q for _, q, _ in lines)}")
    clock = f"{rng.randrange(7, 22):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}"
    doc.add(f"{day.month:02d}/{day.day:02d}/{day.year % 100:02d} {clock}", "", "c")
    doc.add("THANK YOU FOR SHOPPING WITH US", "", "c", 7)
    return doc

"""Random receipts and invoices with their ground truth, from a seed (content only, no pixels).

A document is a page size and rows; each row is left text, right text and a style
("c" centred, "l" left, "r" right). `scangen` draws and degrades them. Every tricky
feature of issue 17 is a random switch: rounding lines, tax-included lines, cash/change,
"amount due 0.00", two currency columns, two-line names, "owned by" lines, labels without
colons, compound labels, print headers/footers with dates, glued dates and amounts, O/0 l/1.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tests.streams import docvocab as V

Row = tuple[str, str, str, float]  # left, right, style, font size


@dataclass
class Doc:
    schema: str
    size: tuple[float, float]
    rows: list[Row] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    features: list[str] = field(default_factory=list)
    blocks: list[tuple[float, float, str, float]] = field(default_factory=list)  # free text

    def add(self, left: str, right: str = "", style: str = "l", size: float = 8.0) -> None:
        self.rows.append((left, right, style, size))


def money(value: Decimal, lang: str) -> str:
    text = f"{value:,.2f}"
    if lang == "en":
        return text
    return text.replace(",", " " if lang == "fr" else "#").replace(".", ",").replace("#", ".")


def q2(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _pick(rng: random.Random, lang: str, key: str) -> str:
    return rng.choice(V.LABELS[lang][key])


def fmt_date(rng: random.Random, day: date, lang: str) -> str:
    style = rng.randrange(5)
    if style == 0:
        return f"{day.day:02d}/{day.month:02d}/{day.year}"
    if style == 1:
        return f"{day.day:02d}.{day.month:02d}.{day.year}"
    if style == 2:
        return day.isoformat()
    if style == 3:
        return f"{day.day:02d}-{day.month:02d}-{day.year % 100:02d}"
    month = V.MONTHS[lang].split()[day.month - 1]
    return f"{day.day} {month} {day.year}"


def ocr_confuse(rng: random.Random, text: str) -> str:
    """What low-quality OCR does to month names: O/0 and l/1 swaps."""
    swaps = {"o": "0", "O": "0", "l": "1", "I": "l"}
    return "".join(swaps[ch] if ch in swaps and ch.isalpha() and rng.random() < 0.7 else ch
                   for ch in text)


def _amounts(rng: random.Random, n: int) -> list[tuple[str, int, Decimal]]:
    names = rng.sample(V.ITEMS, n)
    return [(name, rng.choice([1, 1, 1, 2, 3]), Decimal(rng.randrange(95, 4990)) / 100)
            for name in names]


def _name(rng: random.Random, pool: str, lang: str, legal: bool) -> str:
    first, kinds = V.NAMES[pool]
    name = f"{rng.choice(first)} {rng.choice(kinds)}"
    return f"{name} {rng.choice(V.LEGAL[lang])}" if legal else name


def _address(rng: random.Random, lang: str) -> tuple[str, str]:
    streets, towns = V.STREETS[lang]
    number = rng.randrange(1, 180)
    street = rng.choice(streets)
    line = f"{number} {street}" if lang == "en" else f"{street} {number}"
    return line, rng.choice(towns)


def _date(rng: random.Random) -> date:
    day = date(2016, 1, 1) + timedelta(days=rng.randrange(0, 9 * 365))
    return day.replace(day=max(day.day, 13))  # numeric dates read one way only


def receipt(rng: random.Random, pool: str) -> Doc:
    lang = rng.choice(V.LANGS)
    cur = rng.choice(V.CURRENCIES[lang])
    doc = Doc("receipt", (226.0, 0.0))
    day = _date(rng)
    upper = rng.random() < 0.5
    if rng.random() < 0.2:
        printed = day + timedelta(days=rng.randrange(30, 400))
        doc.add(f"{_pick(rng, lang, 'printed')} {fmt_date(rng, printed, lang)} 09:14", "",
                "l", 6)
        doc.features.append("print_header")
    name = _name(rng, pool, lang, rng.random() < 0.5)
    name = name.upper() if upper else name
    words = name.split()
    if len(words) >= 3 and rng.random() < 0.4:
        cut = len(words) // 2
        doc.add(" ".join(words[:cut]), "", "c", 11)
        doc.add(" ".join(words[cut:]), "", "c", 11)
        doc.features.append("two_line_name")
    else:
        doc.add(name, "", "c", 11)
    if rng.random() < 0.25:
        owner = _name(rng, pool, lang, True)
        doc.add(f"{_pick(rng, lang, 'owned')} {owner.upper() if upper else owner}", "", "c", 7)
        doc.features.append("owned_by")
    elif cur == "MYR":
        doc.add(f"({rng.randrange(100000, 999999)}-{rng.choice('KXUDAP')})", "", "c", 7)
    street, town = _address(rng, lang)
    doc.add(street, "", "c")
    doc.add(town, "", "c")
    doc.fields.update(vendor=name, vendor_address=f"{street}, {town}")
    phone = f"0{rng.randrange(10, 99)}-{rng.randrange(1000000, 9999999)}"
    doc.add(f"{_pick(rng, lang, 'tel')}: {phone}", "", "c")
    if rng.random() < 0.4:
        doc.add(f"www.{words[0].lower()}{words[1].lower()}.com", "", "c", 7)
        doc.features.append("website")
    doc.add(_pick(rng, lang, "receipt"), "", "c", 9)
    when = fmt_date(rng, day, lang)
    if any(ch.isalpha() for ch in when) and rng.random() < 0.5:
        when = ocr_confuse(rng, when)
        doc.features.append("month_confusion")
    clock = f"{rng.randrange(7, 22):02d}:{rng.randrange(60):02d}"
    glue = rng.random() < 0.3
    stamp = f"{when}{clock}" if glue else f"{when} {clock}"
    doc.features += ["date_glued"] if glue else []
    if rng.random() < 0.3:
        doc.add(stamp, f"#{rng.randrange(1000, 9999)}")
        doc.features.append("date_unlabelled")
    else:
        doc.add(f"{_pick(rng, lang, 'date').rstrip(':')}: {stamp}")
    doc.fields["date"] = day.isoformat()
    if rng.random() < 0.25:
        doc.add(f"{_pick(rng, lang, 'merchant')} {rng.randrange(10**8, 10**9)}")
        doc.features.append("merchant_number")
    _receipt_totals(rng, doc, lang, cur)
    doc.add(_pick(rng, lang, "thanks"), "", "c", 7)
    if rng.random() < 0.2:
        printed = day + timedelta(days=rng.randrange(30, 400))
        doc.add(f"{fmt_date(rng, printed, lang)} 18:02  1/1", "", "l", 6)
        doc.features.append("print_footer")
    return doc


def _receipt_totals(rng: random.Random, doc: Doc, lang: str, cur: str) -> None:
    lines = _amounts(rng, rng.randrange(2, 6))
    for name, qty, price in lines:
        if qty > 1:
            doc.add(name)
            doc.add(f"  {qty} x {money(price, lang)}", money(q2(qty * price), lang))
        else:
            doc.add(name, money(price, lang))
    total = sum((q2(q * p) for _, q, p in lines), Decimal(0))
    sym = V.SYMBOL[cur] if rng.random() < 0.5 else cur
    glued = rng.random() < 0.25
    shown = f"{money(total, lang)}{cur}" if glued else f"{sym} {money(total, lang)}"
    doc.features += ["amount_glued"] if glued else []
    payable = total
    kind = rng.choice(["plain", "rounding", "nolabel", "due0", "twocur", "plain"])
    doc.features.append(f"total_{kind}")
    if kind == "twocur" or kind != "nolabel" and cur in shown:
        doc.fields["currency"] = cur  # OCR often drops a lone "€" or "$": label codes only
    if kind == "nolabel":
        doc.add("", "-" * 10, "r")
        doc.add("", money(total, lang), "r")
    elif kind == "twocur":
        other, rate = ("USD", Decimal("1.08")) if cur != "USD" else ("EUR", Decimal("0.93"))
        doc.add(_pick(rng, lang, "total"), f"{cur} {money(total, lang)}   "
                f"{other} {money(q2(total * rate), lang)}")
    else:
        doc.add(_pick(rng, lang, "total"), shown)
    if kind == "rounding":
        payable = (total / Decimal("0.05")).quantize(Decimal(1), ROUND_HALF_UP) * Decimal("0.05")
        diff = q2(payable - total)
        doc.add(_pick(rng, lang, "rounding"), money(diff, lang))
        doc.add(_pick(rng, lang, "payable"), money(payable, lang))
    if rng.random() < 0.5:
        rate = rng.choice([Decimal("0.06"), Decimal("0.07"), Decimal("0.19"), Decimal("0.20")])
        tax = q2(payable * rate / (1 + rate))
        doc.add(f"{_pick(rng, lang, 'incl')} {int(rate * 100)}%", money(tax, lang))
        doc.fields["tax"] = str(tax)
        doc.features.append("tax_included")
    if kind == "due0":
        doc.add(_pick(rng, lang, "paid"), money(payable, lang))
        doc.add(_pick(rng, lang, "due0"), money(Decimal(0), lang))
    elif kind == "nolabel" or rng.random() < 0.5:
        tendered = (payable / 10).quantize(Decimal(1), rounding="ROUND_CEILING") * 10
        tendered += 10 * (tendered == payable)
        doc.add(_pick(rng, lang, "cash"), money(tendered, lang))
        doc.add(_pick(rng, lang, "change"), money(q2(tendered - payable), lang))
        doc.features.append("cash_change")
    doc.fields["total"] = str(q2(payable))

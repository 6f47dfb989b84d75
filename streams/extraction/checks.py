"""Cross-field checks: do the extracted values agree with each other and with the page?

A schema names the checks that apply to it (`SchemaDef.checks`, the names and the fields each
reads are in `config.schemas.CHECKS`). Each check is a plain function of the clean data, the
schema and the page's text rows; it returns one `Check`, or None when it cannot be judged
(a value it needs is null, or the page prints nothing to compare with):

    subtotal_plus_tax_equals_total           subtotal + tax = total, within rounding, or
                                             with the discounts and shipping or handling
                                             charges printed on their own rows
    line_items_sum_to_subtotal               the item amounts add up to the subtotal, else the
                                             total (or the total less the tax); when they do
                                             not, it names the items only: item rows read from
                                             a scan are far more often wrong than a labelled
                                             total (57 of 61 totals it named on tuning scans
                                             were right); not judged when the total's amount
                                             is printed on a subtotal row and no total row
    quantity_times_unit_price_equals_amount  on every item that has all three
    tendered_minus_change_equals_total       cash tendered and change printed on the page
                                             (exact: a total before cash rounding fails it);
                                             not judged when what was read cannot be a cash
                                             payment (tendered below the total or not above
                                             the change); signs are dropped ("CASH -50.00")
    amounts_not_negative                     unless the page says it is a credit note or refund
    total_not_zero                           a document with a total of 0.00 is not a sale
    dates_plausible                          after 1980, not far in the future (today + 60 days
                                             for issue dates, + 3 years for due dates)
    due_date_not_before_date                 the due date is on or after the issue date
    date_prints_agree                        the issue date printed again on the page (also
                                             inside a long number, as yyyymmdd) is the same;
                                             the same day and month with another year fails
                                             (OCR misread a digit of one of them)
    currency_matches_amounts                 the currency printed beside the total is the one
                                             extracted

`fields` of a failed check are the values that may be wrong: gating sends them to review.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from config.schemas import CHECKS, SchemaDef
from streams.extraction import labels as L
from streams.extraction.date_checks import date_prints_agree, dates_plausible, due_after_issue
from streams.extraction.labels import rx
from streams.extraction.normalize import find_amounts, find_currencies
from topics.models import Check

CENT = Decimal("0.02")  # two roundings of half a cent each
PAID = Decimal("0.01")  # change is worked out from the amount payable: exact to the cent
CREDIT_NOTE = rx("credit note", "creditnota", "credit memo", "gutschrift", "avoir", "refund",
                 "erstattung", "remboursement", "terugbetaling", "storno", "=void")
TENDERED = rx("cash", "tendered", "=tunai", "bargeld", "=bar", "gegeben", "espèces", "especes",
              "contant", "=paid", "payment", "betaald", "bezahlt")
# charges and discounts printed between the subtotal and the total (subtotal_plus_tax)
_DISCOUNTS = ("discount", "rabatt", "remise", "korting", "=coupon", "=promo")
DISCOUNT = rx(*_DISCOUNTS)
ADJUSTMENT = rx(*_DISCOUNTS, "shipping", "delivery charge", "freight", "handling", "postage",
                "versand", "frais de port", "livraison", "verzendkosten", "bezorgkosten",
                "service charge")
CHANGE = rx("change", "=baki", "rückgeld", "ruckgeld", "wechselgeld", "monnaie", "rendu",
            "wisselgeld", "terug")
NOT_PAYMENT = rx("change due", "payment terms", "payment due", "zahlungsbedingung", "due date")

Data = dict[str, Any]
CheckFn = Callable[[Data, SchemaDef, list[str], date], Check | None]


def money(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _items(data: Data) -> list[dict[str, Any]]:
    return [i for i in data.get("line_items") or [] if isinstance(i, dict)]


def subtotal_plus_tax(data: Data, schema: SchemaDef, rows: list[str], today: date) -> Check | None:
    sub, tax, total = (money(data.get(k)) for k in ("subtotal", "tax", "total"))
    if sub is None or tax is None or total is None:
        return None
    ok = abs(sub + tax - total) <= CENT
    detail = f"{sub} + {tax} {'=' if ok else '!='} {total}"
    extra = _adjustments(rows)
    if not ok and extra and abs(sub + sum(extra) + tax - total) <= CENT:
        ok, detail = True, f"{sub} {' '.join(f'{a:+}' for a in extra)} + {tax} = {total}"
    return Check(rule="subtotal_plus_tax_equals_total", ok=ok, fields=["subtotal", "tax", "total"],
                 detail=detail)


def _adjustments(rows: list[str]) -> list[Decimal]:
    """Discounts (negative), shipping and handling charges printed on their own rows."""
    out = []
    for row in rows:
        label = ADJUSTMENT.search(row)
        amounts = find_amounts(row[label.end():]) if label else []
        if label and amounts and not L.TOTAL[2].search(row):
            amount = abs(Decimal(amounts[-1][2]))
            out.append(-amount if DISCOUNT.match(row, label.start()) else amount)
    return out


def _item_amount(item: dict[str, Any]) -> Decimal | None:
    amount = money(item.get("amount"))
    if amount is None and (q := money(item.get("quantity"))) is not None and (
            u := money(item.get("unit_price"))) is not None:
        amount = q * u
    return amount


def items_sum(data: Data, schema: SchemaDef, rows: list[str], today: date) -> Check | None:
    amounts = [_item_amount(i) for i in _items(data)]
    if not amounts or None in amounts:
        return None
    found = sum((a for a in amounts if a is not None), Decimal(0))
    sub, tax, total = (money(data.get(k)) for k in ("subtotal", "tax", "total"))
    targets = {"subtotal": sub, "total": total,
               "total less tax": total - tax if total is not None and tax is not None else None}
    tolerance = CENT * len(amounts)
    if sub is None and total is not None and abs(found - total) <= tolerance and (
            _only_on_subtotal_rows(rows, total)):
        return None  # they add up to the subtotal line's amount: no evidence for the total
    for name, want in targets.items():
        if want is not None and abs(found - want) <= tolerance:
            field = "subtotal" if name == "subtotal" else "total"
            return Check(rule="line_items_sum_to_subtotal", ok=True, fields=["line_items", field],
                         detail=f"items {found} = {name} {want}")
    against = "subtotal" if sub is not None else "total"
    want = sub if sub is not None else total
    if want is None:
        return None
    return Check(rule="line_items_sum_to_subtotal", ok=False, fields=["line_items"],
                 detail=f"items {found} != {against} {want}")


def _only_on_subtotal_rows(rows: list[str], total: Decimal) -> bool:
    """Whether the total's amount is printed on a subtotal row and on no total row: a total
    read from the subtotal line (its own label misread) agrees with the items as the
    subtotal does, so the sum cannot tell the two apart."""
    labels = set()
    for row in rows:
        if any(money(value) == total for *_, value in find_amounts(row)):
            labels.add("sub" if L.SUBTOTAL[2].search(row) else "total" if any(
                p.search(row) for p in L.TOTAL.values()) else "")
    return "sub" in labels and "total" not in labels


def quantity_times_price(data: Data, schema: SchemaDef, rows: list[str],
                         today: date) -> Check | None:
    judged, wrong = 0, []
    for n, item in enumerate(_items(data), start=1):
        q, u, a = (money(item.get(k)) for k in ("quantity", "unit_price", "amount"))
        if q is None or u is None or a is None:
            continue
        judged += 1
        if abs(q * u - a) > max(CENT, abs(a) * Decimal("0.005")):
            wrong.append(f"line {n}: {q} x {u} != {a}")
    if not judged:
        return None
    return Check(rule="quantity_times_unit_price_equals_amount", ok=not wrong,
                 fields=["line_items"], detail="; ".join(wrong) or f"{judged} line(s) agree")


def _row_amount(rows: list[str], label: Any) -> Decimal | None:
    """The last amount on the last row that carries `label` (and is not a payment-terms row)."""
    for row in reversed(rows):
        match = label.search(row)
        if match and not NOT_PAYMENT.search(row):
            amounts = find_amounts(row[match.end():])
            if amounts:
                return money(amounts[-1][2])
    return None


def payment(data: Data, schema: SchemaDef, rows: list[str], today: date) -> Check | None:
    total = money(data.get("total"))
    if total is None:
        return None
    tendered, change = _row_amount(rows, TENDERED), _row_amount(rows, CHANGE)
    if tendered is None:
        return None
    tendered = abs(tendered)
    if change is None:  # a card payment of the exact total agrees; anything else is unclear
        if abs(tendered - total) > PAID:
            return None
        change = Decimal(0)
    change = abs(change)
    if tendered + PAID < total or tendered <= change:
        return None  # not a cash payment of this total: the rows were misread
    ok = abs(tendered - change - total) <= PAID
    sign = "=" if ok else "!="
    return Check(rule="tendered_minus_change_equals_total", ok=ok, fields=["total"],
                 detail=f"{tendered} - {change} {sign} {total}")


def _amount_values(data: Data, schema: SchemaDef) -> list[tuple[str, Decimal]]:
    out = []
    for name, spec in schema.fields.items():
        if spec.type == "amount" and (value := money(data.get(name))) is not None:
            out.append((name, value))
        elif spec.type == "array":
            for item in data.get(name) or []:
                for key, sub in (spec.items or {}).items():
                    if sub.type == "amount" and isinstance(item, dict) and (
                            value := money(item.get(key))) is not None:
                        out.append((name, value))
    return out


def not_negative(data: Data, schema: SchemaDef, rows: list[str], today: date) -> Check | None:
    values = _amount_values(data, schema)
    if not values:
        return None
    negative = sorted({name for name, value in values if value < 0})
    if negative and any(CREDIT_NOTE.search(row) for row in rows):
        return Check(rule="amounts_not_negative", ok=True, fields=negative,
                     detail="negative amounts on a credit note")
    names = negative or sorted({name for name, _ in values})
    return Check(rule="amounts_not_negative", ok=not negative, fields=names,
                 detail=f"negative: {', '.join(negative)}" if negative else "")


def total_not_zero(data: Data, schema: SchemaDef, rows: list[str], today: date) -> Check | None:
    total = money(data.get("total"))
    if total is None:
        return None
    return Check(rule="total_not_zero", ok=total != 0, fields=["total"],
                 detail="total is 0.00" if total == 0 else "")


def currency_matches(data: Data, schema: SchemaDef, rows: list[str], today: date) -> Check | None:
    """The currency nearest to the printed total, on its row, is the extracted currency."""
    code, total = data.get("currency"), money(data.get("total"))
    if not code or total is None or total == 0:
        return None
    beside: list[str] = []
    for row in rows:
        for start, end, value in find_amounts(row, spaced=True):
            if money(value) != total:
                continue
            near = sorted(find_currencies(row), key=lambda c: min(abs(c[0] - end),
                                                                  abs(start - c[1])))
            if near:
                beside.append(near[0][2])
    if not beside:
        return None
    ok = code in beside
    return Check(rule="currency_matches_amounts", ok=ok, fields=["currency", "total"],
                 detail=f"{code} {'is' if ok else 'is not'} printed beside the total"
                        + ("" if ok else f" ({beside[0]} is)"))


RULES: dict[str, CheckFn] = {
    "subtotal_plus_tax_equals_total": subtotal_plus_tax,
    "line_items_sum_to_subtotal": items_sum,
    "quantity_times_unit_price_equals_amount": quantity_times_price,
    "tendered_minus_change_equals_total": payment,
    "amounts_not_negative": not_negative,
    "total_not_zero": total_not_zero,
    "dates_plausible": dates_plausible,
    "due_date_not_before_date": due_after_issue,
    "date_prints_agree": date_prints_agree,
    "currency_matches_amounts": currency_matches,
}
assert set(RULES) == set(CHECKS), "config.schemas.CHECKS and RULES name the same checks"


def run_checks(data: Data, schema: SchemaDef, rows: list[str], today: date) -> list[Check]:
    """The schema's checks that could be judged, in the schema's order."""
    out = []
    for rule in schema.checks:
        check = RULES[rule](data, schema, rows, today)
        if check is not None:
            out.append(check)
    return out

"""Cross-field checks: each rule on plain data and on generated documents, and schema wiring."""

from datetime import date

import pytest
from pydantic import ValidationError

from config.schemas import CHECKS, INVOICE, RECEIPT, FieldSpec, SchemaDef
from streams.extraction.checks import RULES, run_checks
from streams.extraction.layout import build_layout
from tests.streams import docgen

TODAY = date(2026, 12, 6)


def rows_of(layout: list) -> list[str]:
    """The text rows of a generated document, as the assess step reads them."""
    built = build_layout(docgen.pages_of(docgen.make_pdf(layout)))
    return [" ".join(block.text for block in row) for row in built.rows]


def check(rule: str, data: dict, rows: list[str] | None = None, schema: SchemaDef = INVOICE):
    return RULES[rule](data, schema, rows or [], TODAY)


def test_every_declared_check_has_a_rule_and_the_builtins_declare_theirs():
    assert set(RULES) == set(CHECKS)
    assert "subtotal_plus_tax_equals_total" in INVOICE.checks
    assert "tendered_minus_change_equals_total" in RECEIPT.checks
    assert all(rule.isidentifier() and rule.islower() for rule in CHECKS)


@pytest.mark.parametrize(("sub", "tax", "total", "ok"), [
    ("64.60", "12.27", "76.87", True), ("64.60", "12.27", "76.88", True),  # within rounding
    ("64.60", "12.27", "80.00", False), ("100.00", "0.00", "100.00", True)])
def test_subtotal_plus_tax(sub, tax, total, ok):
    got = check("subtotal_plus_tax_equals_total", {"subtotal": sub, "tax": tax, "total": total})
    assert got.ok is ok and got.fields == ["subtotal", "tax", "total"]
    assert ("!=" in got.detail) is not ok


@pytest.mark.parametrize(("rows", "ok"), [
    (["Subtotal 2,833.80", "Discount -141.69", "Shipping 4.95", "VAT 21% 566.38"], True),
    (["Zwischensumme 2.833,80", "Rabatt 141,69", "Versandkosten 4,95"], True),  # printed unsigned
    (["Subtotal 2,833.80", "Shipping 4.95", "VAT 21% 566.38"], False),  # the discount unread
    (["Subtotal 2,833.80", "VAT 21% 566.38"], False)])
def test_subtotal_plus_tax_with_printed_discounts_and_charges(rows, ok):
    data = {"subtotal": "2833.80", "tax": "566.38", "total": "3263.44"}
    got = check("subtotal_plus_tax_equals_total", data, rows)
    assert got.ok is ok
    assert ("-141.69" in got.detail and "+4.95" in got.detail) is ok


def test_a_check_without_its_values_is_not_judged():
    assert check("subtotal_plus_tax_equals_total", {"subtotal": "1.00", "total": "1.00"}) is None
    assert check("quantity_times_unit_price_equals_amount", {"line_items": []}) is None
    assert check("tendered_minus_change_equals_total", {"total": "5.00"}, ["Total 5.00"]) is None


def test_line_items_sum_to_subtotal_or_total():
    items = [{"amount": "10.00"}, {"quantity": 2, "unit_price": "2.50", "amount": None}]
    ok = check("line_items_sum_to_subtotal", {"line_items": items, "subtotal": "15.00"})
    assert ok.ok and ok.fields == ["line_items", "subtotal"]
    gross = check("line_items_sum_to_subtotal", {"line_items": items, "total": "15.00"})
    assert gross.ok and gross.fields == ["line_items", "total"]
    bad = check("line_items_sum_to_subtotal", {"line_items": items, "subtotal": "16.00",
                                               "total": "19.04", "tax": "3.04"})
    # item rows read from a scan are the likelier culprit: only they go to review
    assert not bad.ok and bad.fields == ["line_items"] and "subtotal 16.00" in bad.detail


def test_items_adding_up_to_a_total_read_from_the_subtotal_line_are_no_evidence_for_it():
    items = [{"amount": "76.00"}, {"amount": "10.00"}, {"amount": "165.00"}]
    data = {"line_items": items, "total": "251.00"}
    misread = ["SubTotal: 251.00", "Cash Promotion 34.00", "Tote! Inclusive GST: 217.00"]
    assert check("line_items_sum_to_subtotal", data, misread) is None  # not judged
    printed = ["SubTotal: 251.00", "Grand Total 251.00"]  # no discount: the total is the same
    assert check("line_items_sum_to_subtotal", data, printed).ok


def test_the_issue_date_printed_again_agrees_or_its_year_is_in_doubt():
    data = {"date": "2021-10-08"}
    clash = check("date_prints_agree", data, ["VE0514 Date:08/10/21", "DD:08/10/2017 12:11"])
    assert not clash.ok and clash.fields == ["date"] and "2017-10-08" in clash.detail
    in_number = check("date_prints_agree", {"date": "2016-03-06"},
                      ["Invoice No:2018030610100080498", "06/03/2016 20:01"])
    assert not in_number.ok and "2018-03-06" in in_number.detail
    twice = check("date_prints_agree", data, ["Date: 08/10/21", "08-10-2021 12:11"])
    assert twice.ok and twice.detail == "printed 2 times"
    assert check("date_prints_agree", data, ["Date: 08/10/21", "Total 12.00"]) is None
    period = ["Date: 08.10.2021", "Service 08.10.2021 - 08.10.2022"]  # a year's subscription
    assert check("date_prints_agree", data, period) is None


def test_quantity_times_unit_price():
    items = [{"quantity": 10, "unit_price": "120.00", "amount": "1200.00"},
             {"quantity": 2, "unit_price": "45.50", "amount": "19.00"}]
    got = check("quantity_times_unit_price_equals_amount", {"line_items": items})
    assert not got.ok and got.detail == "line 2: 2 x 45.50 != 19.00"
    got = check("quantity_times_unit_price_equals_amount", {"line_items": items[:1]})
    assert got.ok


def test_tendered_minus_change_on_a_generated_receipt():
    rows = rows_of(docgen.receipt())  # Total 22.70, CASH 50.00, CHANGE 27.30
    assert check("tendered_minus_change_equals_total", {"total": "22.70"}, rows).ok
    wrong = check("tendered_minus_change_equals_total", {"total": "50.00"}, rows)
    assert not wrong.ok and wrong.fields == ["total"] and wrong.detail == "50.00 - 27.30 != 50.00"


def test_tendered_minus_change_drops_signs_and_skips_what_cannot_be_a_payment():
    def check_of(*rows: str):
        return check("tendered_minus_change_equals_total", {"total": "21.00"},
                     ["TOTAL RM 21.00", *rows])

    assert check_of("CASH -50.00", "CHANGE 29.00").ok
    assert check_of("CASH 14.00", "CHANGE 0.00") is None  # less than the total
    assert check_of("CASH 10.00", "CHANGE 10.00") is None  # nothing left to pay with
    assert not check_of("CASH 50.00", "CHANGE 20.00").ok


def test_card_payment_of_the_total_agrees():
    rows = ["TOTAL 18.40", "VISA PAYMENT 18.40"]
    assert check("tendered_minus_change_equals_total", {"total": "18.40"}, rows).ok
    assert check("tendered_minus_change_equals_total", {"total": "0.00"}, rows) is None


def test_negative_amounts_fail_unless_a_credit_note():
    data = {"subtotal": "-10.00", "tax": "-1.90", "total": "-11.90", "line_items": []}
    got = check("amounts_not_negative", data)
    assert not got.ok and got.fields == ["subtotal", "tax", "total"]
    assert check("amounts_not_negative", data, ["CREDIT NOTE CN-0042"]).ok
    item = {"line_items": [{"amount": "-3.00"}], "total": "5.00"}
    assert check("amounts_not_negative", item).fields == ["line_items"]
    assert check("amounts_not_negative", {"total": "5.00"}).ok


def test_zero_total_fails():
    assert not check("total_not_zero", {"total": "0.00"}).ok
    assert check("total_not_zero", {"total": "0.01"}).ok


@pytest.mark.parametrize(("data", "bad"), [
    ({"date": "2034-05-01"}, ["date"]),  # eight years ahead: a product code
    ({"date": "1975-01-01"}, ["date"]),
    ({"date": "2026-12-20", "due_date": "2029-01-05"}, []),  # due dates may be far off
    ({"date": "2026-12-20", "due_date": "2031-01-05"}, ["due_date"]),
])
def test_dates_plausible(data, bad):
    got = check("dates_plausible", {"due_date": None, **data})
    assert got.ok is (not bad)
    if bad:
        assert got.fields == bad


def test_due_date_not_before_issue_date():
    assert check("due_date_not_before_date", {"date": "2024-03-05", "due_date": "2024-03-05"}).ok
    late = check("due_date_not_before_date", {"date": "2024-03-05", "due_date": "2024-02-05"})
    assert not late.ok and late.fields == ["date", "due_date"]


def test_currency_beside_the_total():
    rows = ["Total USD 108.70 EUR 100.00"]  # two currency columns
    assert check("currency_matches_amounts", {"currency": "EUR", "total": "100.00"}, rows).ok
    wrong = check("currency_matches_amounts", {"currency": "USD", "total": "100.00"}, rows)
    assert not wrong.ok and "EUR is" in wrong.detail
    glued = ["Total:119.00EUR"]
    assert check("currency_matches_amounts", {"currency": "EUR", "total": "119.00"}, glued).ok
    assert check("currency_matches_amounts", {"currency": "EUR", "total": "5.00"}, rows) is None


def test_generated_invoice_passes_every_check_it_can_judge():
    rows = rows_of(docgen.invoice_en())
    data = {"date": "2024-03-05", "due_date": "2024-04-04", "currency": "GBP",
            "subtotal": "1291.00", "tax": "258.20", "total": "1549.20",
            "line_items": [{"quantity": 10, "unit_price": "120.00", "amount": "1200.00"},
                           {"quantity": 2, "unit_price": "45.50", "amount": "91.00"}]}
    checks = run_checks(data, INVOICE, rows, TODAY)
    # nothing to judge for a cash payment, nor a second print of the date
    assert [c.rule for c in checks] == [r for r in INVOICE.checks if r not in (
        "tendered_minus_change_equals_total", "date_prints_agree")]
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]


def test_tenant_schemas_name_generic_checks_and_unknown_ones_are_refused():
    fields = {"net": FieldSpec(type="amount"), "total": FieldSpec(type="amount"),
              "issued": FieldSpec(type="date")}
    schema = SchemaDef(name="po", fields=fields, checks=["amounts_not_negative", "dates_plausible",
                                                         "total_not_zero"], review_threshold=0.8)
    got = run_checks({"net": "-1.00", "total": "0.00", "issued": "2099-01-01"}, schema, [], TODAY)
    assert {c.rule: c.ok for c in got} == {"amounts_not_negative": False,
                                           "dates_plausible": False, "total_not_zero": False}
    with pytest.raises(ValidationError, match="unknown check"):
        SchemaDef(name="po", fields=fields, checks=["totals_add_up"])
    with pytest.raises(ValidationError, match="lacks"):
        SchemaDef(name="po", fields=fields, checks=["subtotal_plus_tax_equals_total"])
    with pytest.raises(ValidationError):
        SchemaDef(name="po", fields=fields, review_threshold=1.5)

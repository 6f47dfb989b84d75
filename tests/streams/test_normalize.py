"""Dates, amounts and currencies as printed on real documents, in several languages."""

import pytest

from streams.extraction.dates import find_dates, parse_date
from streams.extraction.normalize import find_amounts, parse_amount, parse_currency


@pytest.mark.parametrize(("text", "iso"), [
    ("12/03/2024", "2024-03-12"),  # day-first by default
    ("12.03.2024", "2024-03-12"),
    ("2024-03-12", "2024-03-12"),
    ("03/25/2024", "2024-03-25"),  # month-first only because day-first is impossible
    ("12 March 2024", "2024-03-12"),
    ("March 12, 2024", "2024-03-12"),
    ("August 3 , 2014", "2014-08-03"),
    ("12-Mar-24", "2024-03-12"),
    ("7. Mai 2014", "2014-05-07"),
    ("3 Dez. 2020", "2020-12-03"),
    ("1er juillet 2015", "2015-07-01"),
    ("12 décembre 2023", "2023-12-12"),
    ("29 maart 2014", "2014-03-29"),
    ("17 mei 2022", "2022-05-17"),
    ("8-9-2022", "2022-09-08"),
    ("21.05.14", "2014-05-21"),
    ("Date: 25/12/2018 10:22", "2018-12-25"),
    ("14-03-1821:49", "2018-03-14"),  # OCR glued the time to a two-digit year
    ("10Mar201818:24", "2018-03-10"),
    ("Facture n°562044387 du 02 Juillet 2015", "2015-07-02"),
])
def test_parse_date(text, iso):
    assert parse_date(text) == iso


@pytest.mark.parametrize("text", ["31/02/2020", "13/13/2020", "Total 35.00", "", "1234", None, 5])
def test_parse_date_rejects(text):
    assert parse_date(text) is None


def test_find_dates_gives_spans():
    text = "Invoice 12/03/2024 due 2024-04-11"
    assert [(text[s:e], iso) for s, e, iso in find_dates(text)] == [
        ("12/03/2024", "2024-03-12"), ("2024-04-11", "2024-04-11")]


@pytest.mark.parametrize(("text", "amount"), [
    ("1,234.56", "1234.56"),
    ("1.234,56", "1234.56"),
    ("1 234,56", "1234.56"),
    ("1\u202f234,56 €", "1234.56"),
    ("€ 4.904,94", "4904.94"),
    ("$4.11", "4.11"),
    ("US$ 1,234.56", "1234.56"),
    ("RM37.10", "37.10"),
    ("RM.12.90", "12.90"),
    ("Rs 1939", "1939.00"),
    ("5.00-", "-5.00"),
    ("€ -9,32", "-9.32"),
    ("(12.50)", "-12.50"),
    ("12,5", "12.50"),
    ("1,234", "1234.00"),
    ("1.234.567,89", "1234567.89"),
    ("2.215.20GBP", "2215.20"),  # OCR read the thousands comma as a dot
    ("1,234,56", "1234.56"),
    ("1.234.567", "1234567.00"),
    (4.1, "4.10"),
    (12, "12.00"),
])
def test_parse_amount(text, amount):
    assert parse_amount(text) == amount


@pytest.mark.parametrize("text", ["21%", "Total: 5.00", "abc", "", "12/03/2024", None, True])
def test_parse_amount_rejects(text):
    assert parse_amount(text) is None


def test_find_amounts_keeps_quantity_and_price_apart():
    values = [v for _, _, v in find_amounts("1 € 189,00 21% € 189,00")]
    assert values == ["1.00", "189.00", "189.00"]
    assert [v for _, _, v in find_amounts("INV2024 A4 RM37.10")] == ["37.10"]


@pytest.mark.parametrize(("text", "code"), [
    ("€", "EUR"), ("EUR", "EUR"), ("eur", "EUR"), ("Euros", "EUR"), ("$", "USD"),
    ("US$ 12", "USD"), ("£", "GBP"), ("₹", "INR"), ("Rs.", "INR"), ("RM", "MYR"),
    ("CHF", "CHF"), ("Total EUR 34,73", "EUR"), ("Amt(RM)", "MYR"),
])
def test_parse_currency(text, code):
    assert parse_currency(text) == code


@pytest.mark.parametrize("text", ["foo", "", "TRYING", None, 3])
def test_parse_currency_rejects(text):
    assert parse_currency(text) is None


def test_a_barcode_length_number_is_not_an_amount_and_does_not_raise():
    digits = "9" * 40
    assert find_amounts(f"Ref {digits} Total 12.50") == [(4 + 41 + 6, 4 + 41 + 11, "12.50")]
    assert parse_amount(digits) is None

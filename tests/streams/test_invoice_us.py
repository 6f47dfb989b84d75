"""US invoices and till receipts (scangen layouts E and R): month-first dates that no date on
the page decides, the town, state and ZIP line under the street, and a bare phone line."""

import pytest

from config.schemas import INVOICE, RECEIPT
from streams.extraction.dates import month_first_text
from streams.extraction.local import extract_local
from tests.streams import docgen

TOTALS = [(370, 320, "Subtotal"), (480, 320, "$100.00"), (370, 334, "Sales Tax (8.25%)"),
          (480, 334, "$8.25"), (370, 348, "Balance Due"), (480, 348, "$108.25")]


def _us(name: str, town: str) -> list:
    return [(50, 50, "INVOICE", 22), (50, 85, name, 13), (50, 99, "1212 Market Street"),
            (50, 113, town), (360, 85, "Invoice #: 5304"), (360, 99, "Date: 11/10/2024"),
            (360, 113, "Due Date: 12/10/2024"), (50, 170, "Bill To"),
            (50, 183, "Orchard Dental Clinic"), (50, 195, "1086 Lake Shore Drive"),
            (50, 207, "Austin, TX 78701"), *TOTALS]


@pytest.mark.parametrize("town", ["Boston, MA 02108", "Boston,MA02108"])
def test_ambiguous_dates_on_an_invoice_from_a_us_address_are_month_first(town):
    out = extract_local(docgen.pages_of(docgen.make_pdf(_us("Sunrise Hardware LLC", town))),
                        INVOICE)
    assert (out.data["date"], out.data["due_date"]) == ("2024-11-10", "2024-12-10")


def test_ambiguous_dates_stay_day_first_without_a_us_address():
    assert not month_first_text("Datum: 11/10/2024\nFällig: 12/10/2024\n20457 Hamburg")
    assert not month_first_text("Date: 11/10/2024\n81300 Skudai, Johor")


def test_a_legal_form_glued_to_a_us_name_and_the_town_line_under_it():
    town = "San Francisco, CA 94105"  # the customer's town too, so the line recurs
    layout = [(x, y, town if text == "Austin, TX 78701" else text, *size)
              for x, y, text, *size in _us("HarbourHardwareInc.", town)]
    out = extract_local(docgen.pages_of(docgen.make_pdf(layout)), INVOICE)
    assert out.data["vendor"] == "HarbourHardwareInc."
    assert out.data["vendor_address"] == "1212 Market Street, San Francisco, CA 94105"


def test_a_us_till_receipt_bare_phone_line_and_dotted_zip():
    # layout R: no "Tel" before the phone number, and OCR put a dot between state and ZIP
    rows = [(60, 40, "GOLDEN BAKERY", 11), (60, 54, "1362 MAIN STREET"),
            (60, 66, "SAN FRANCISCO, CA.94105"), (60, 78, "(415) 555-0123"),
            (20, 92, "ST# 4021 OP# 12 TE# 07 TR# 5531"), (20, 106, "BREAD ROLL 123456789012"),
            (180, 106, "4.20 X"), (20, 120, "TOTAL"), (180, 120, "4.55"),
            (60, 140, "03/01/21 14:22:01")]
    out = extract_local(docgen.pages_of(docgen.make_pdf(rows)), RECEIPT)
    assert out.data["vendor_address"] == "1362 MAIN STREET, SAN FRANCISCO, CA.94105"
    assert out.data["date"] == "2021-03-01"

"""Issue 17's failure classes, one generated document (text layer) or text each."""

from datetime import date

import pytest

from config.schemas import BUILTIN
from streams.extraction.dates import find_dates
from streams.extraction.local import extract_local
from streams.extraction.normalize import find_amounts
from streams.extraction.rules import plausible
from tests.streams import docgen


def _receipt(*rows: tuple[str, str], head: tuple[str, ...] = ("GOLDEN BAKERY",
                                                               "12 Harbour Road",
                                                               "Bristol BS1 4QA"),
             name_lines: int = 1) -> dict:
    """A narrow receipt: head lines (the name larger), then label/amount rows."""
    items: list[docgen.Item] = [(200, 60 + 14 * i, line, 11 if i < name_lines else 9)
                                for i, line in enumerate(head)]
    y = 60 + 14 * len(head) + 20
    for left, right in rows:
        if left:
            items.append((180, y, left, 9))
        if right:
            items.append((380, y, right, 9))
        y += 14
    pages = docgen.pages_of(docgen.make_pdf(items))
    return extract_local(pages, BUILTIN["receipt"]).data


ITEMS = [("Date: 14/03/2024 10:22", ""), ("Milk 1L", "2.15"), ("Bread", "3.12")]


@pytest.mark.parametrize("text", ["100.00EUR", "Total:100.00EUR", "Total100.00", "R100.00 x"])
def test_amounts_glued_to_codes_and_labels(text):
    assert [v for *_, v in find_amounts(text)][:1] == ["100.00"]


@pytest.mark.parametrize("text", ["INV2024", "A4", "PO4711"])
def test_identifiers_are_not_amounts(text):
    assert find_amounts(text) == []


@pytest.mark.parametrize(("text", "iso"), [
    ("2018-03-0714:22", "2018-03-07"), ("07/03/201814:22", "2018-03-07"),
    ("07/03/20180012", "2018-03-07"), ("14:2207/03/2018", "2018-03-07"),
    ("27 0ct 2017", "2017-10-27"), ("5 Ju1 2019", "2019-07-05"), ("3 N0V 2018", "2018-11-03"),
    ("13 JUIL 2020", "2020-07-13"), ("Datum:26N0y202311:36", "2023-11-26"),
    ("Date:14-04-2017:17", "2020-04-14"),
])
def test_dates_glued_or_misread(text, iso):
    assert [v for *_, v in find_dates(text)] == [iso]


def test_plausible_dates():
    today = date(2024, 6, 1)
    assert plausible("2024-05-30", today) and not plausible("2032-01-01", today)
    assert not plausible("1975-01-01", today)


def test_rounded_amount_payable_beats_the_amount_before_rounding():
    data = _receipt(*ITEMS, ("Total", "5.27"), ("Rounding", "-0.02"), ("Total Rounded", "5.25"))
    assert data["total"] == "5.25"


def test_unlabelled_payable_after_rounding_is_tendered_minus_change():
    data = _receipt(*ITEMS, ("TOTAL", "5.27"), ("ROUNDING ADJ", "-0.02"), ("CASH", "10.00"),
                    ("CHANGE", "4.75"))
    assert data["total"] == "5.25"


def test_tax_included_line_is_the_tax_not_the_total():
    data = _receipt(*ITEMS, ("Total", "5.27"), ("incl. VAT 20%", "0.88"))
    assert (data["total"], data["tax"]) == ("5.27", "0.88")


def test_without_a_total_label_cash_and_change_are_not_the_total():
    data = _receipt(*ITEMS, ("", "5.27"), ("CASH", "50.00"), ("CHANGE", "44.73"))
    assert data["total"] == "5.27"


def test_amount_due_zero_after_payment_does_not_beat_the_total():
    data = _receipt(*ITEMS, ("Total", "5.27"), ("Paid by card", "5.27"), ("Amount due", "0.00"))
    assert data["total"] == "5.27"


def test_two_currency_columns_take_the_documents_own():
    data = _receipt(*ITEMS, ("TOTAL", "EUR 5.27    USD 5.69"))
    assert data["total"] == "5.27"


def test_dates_from_print_headers_and_footers_are_not_the_date():
    head = ("Printed 02/01/2025 09:14", "GOLDEN BAKERY", "12 Harbour Road", "Bristol BS1 4QA")
    data = _receipt(("14/03/2024 10:22", "#4411"), ("Milk 1L", "2.15"), ("TOTAL", "2.15"),
                    ("03/02/2025 18:02  1/1", ""), head=head)
    assert data["date"] == "2024-03-14"


def test_a_date_years_ahead_from_a_code_is_not_the_date():
    data = _receipt(("Date: 12/05/2091", ""), ("14/03/2024 10:22", ""), ("TOTAL", "2.15"))
    assert data["date"] == "2024-03-14"


def test_owned_by_company_is_not_preferred_over_the_trading_name():
    head = ("GOLDEN BAKERY", "owned by Harbour Holdings Sdn Bhd", "12 Harbour Road",
            "Bristol BS1 4QA")
    data = _receipt(*ITEMS, ("TOTAL", "5.27"), head=head)
    assert data["vendor"] == "GOLDEN BAKERY"
    assert data["vendor_address"] == "12 Harbour Road, Bristol BS1 4QA"


def test_compound_label_word_is_not_the_vendor():
    data = _receipt(("Merchant Number 123456789", ""), *ITEMS, ("TOTAL", "5.27"),
                    head=("12 Harbour Road", "Bristol BS1 4QA"))
    assert data["vendor"] != "Number" and "Milk" not in (data["vendor"] or "")


@pytest.mark.parametrize(("name", "address"), [
    (("SUNRISE ELECTRICAL", "TRADING SDN BHD"), ("12 Jalan Mawar", "43000 Kajang")),
    (("KIM SENG", "HARDWARE ENTERPRISE", "TRADING SDN BHD"), ("NO.17-G, JALAN MAWAR",
                                                           "40170 SHAH ALAM")),
])
def test_name_wrapped_on_two_or_three_lines_keeps_its_address(name, address):
    head = (*name, *address, "Tel: 03-8737 1234")
    data = _receipt(*ITEMS, ("TOTAL", "5.27"), head=head, name_lines=len(name))
    assert data["vendor"] == " ".join(name)
    assert data["vendor_address"] == ", ".join(address)


def test_address_stops_before_phone_and_item_rows():
    head = ("Golden Bakery GmbH", "Lindenstraße 18", "80331 München", "Telefon: 089 1234")
    data = _receipt(*ITEMS, ("SUMME", "5.27"), head=head)
    assert data["vendor_address"] == "Lindenstraße 18, 80331 München"
    head = ("Golden Bakery GmbH", "Lindenstraße 18", "80331 München")
    data = _receipt(("Milk 1L", "2.15"), ("SUMME", "2.15"), head=head)
    assert data["vendor_address"] == "Lindenstraße 18, 80331 München"


def _invoice(party_rows: list[docgen.Item]) -> dict:
    items: list[docgen.Item] = [
        (360, 60, "INVOICE", 18), (360, 100, "Invoice No: INV-2024-0042"),
        (360, 114, "Date: 14/03/2024"), *party_rows,
        (360, 300, "Subtotal"), (470, 300, "100.00EUR"), (360, 314, "VAT 19%"),
        (470, 314, "19.00EUR"), (360, 328, "Total:119.00EUR"),
    ]
    return extract_local(docgen.pages_of(docgen.make_pdf(items)), BUILTIN["invoice"]).data


def test_seller_and_buyer_side_by_side():
    data = _invoice([(50, 160, "Seller:"), (300, 160, "Buyer:"),
                     (50, 174, "Kessler & Vogt GmbH"), (300, 174, "Weber Bau AG"),
                     (50, 188, "Am Hafen 3"), (300, 188, "Lindenstraße 18"),
                     (50, 202, "20457 Hamburg"), (300, 202, "80331 München")])
    assert (data["vendor"], data["customer"]) == ("Kessler & Vogt GmbH", "Weber Bau AG")
    assert (data["subtotal"], data["tax"], data["total"]) == ("100.00", "19.00", "119.00")


@pytest.mark.parametrize("label", ["Bill To", "Billing contact", "Customer"])
def test_customer_label_without_colon_is_not_the_vendor(label):
    data = _invoice([(50, 60, "Brightwater Analytics Ltd", 14), (50, 78, "12 Harbour Road"),
                     (50, 91, "Bristol BS1 4QA"), (50, 150, "Summary", 11), (50, 166, label),
                     (50, 180, "Harlow Medical Group Ltd"), (50, 194, "8 Mill Lane, York")])
    assert data["vendor"] == "Brightwater Analytics Ltd"
    assert data["customer"] == "Harlow Medical Group Ltd"


def test_glued_legal_form():
    data = _invoice([(50, 60, "ACMEGmbH", 14), (50, 78, "Hafenweg 4"), (50, 91, "20457 Hamburg")])
    assert data["vendor"] == "ACME GmbH"


def test_name_without_spaces_is_still_the_vendor_with_its_address():
    head = ("YONGFATTENTERPRISE", "NO 7, JALAN MAWAR 3", "43000 KAJANG", "TEL: 03-8737 1234")
    data = _receipt(*ITEMS, ("TOTAL", "5.27"), head=head)
    assert data["vendor"] == "YONGFATTENTERPRISE"
    assert data["vendor_address"] == "NO 7, JALAN MAWAR 3, 43000 KAJANG"


# Cash rounding and OCR damage on real scanned receipts, rebuilt from generated text.

def test_misread_amount_after_rounding_is_the_total_before_plus_the_rounding():
    data = _receipt(*ITEMS, ("Grand Total:", "87.08"), ("Rounding Adjustment:", "0.02"),
                    ("Net Total:", "87.16"))
    assert data["total"] == "87.10"


def test_tendered_minus_change_rounds_an_unrounded_total():
    data = _receipt(*ITEMS, ("Total Amt Incl GST 6%:", "7.42"), ("CASH", "10.00"),
                    ("CHANGE", "2.60"))
    assert data["total"] == "7.40"


def test_a_paid_receipt_total_is_not_zero():
    data = _receipt(("Date: 14/03/2024 10:22", ""), ("TOTAL", "0.00"), ("CASH", "15.00"),
                    ("CHANGE", "0.00"))
    assert data["total"] == "15.00"


def test_a_printed_grand_total_is_not_repaired_into_a_partial_total():
    rows = ["Total 6% supplies (excl. GST): 36.24", "GST: 2.17",
            "Total 6% supplies (Inc. GST): 38.41", "Total 0% supplies: 35.14",
            "Total Paydble: 73.55"]  # "Payable" misread: a generic total label is left
    data = _receipt(("Date: 14/03/2024 10:22", ""), *((row, "") for row in rows))
    assert data["total"] == "73.55"


def test_lowercase_legal_form_under_a_logo_line_is_the_vendor():
    head = ("QUIKPRINT'", "Harbour Printing (M) Sdn bhd (759705-H)", "No 21, Jalan Pinang",
            "50450 Kuala Lumpur")
    data = _receipt(*ITEMS, ("TOTAL", "5.27"), head=head)
    assert data["vendor"] == "Harbour Printing (M) Sdn bhd"


def test_first_word_of_the_name_lowered_by_ocr_stays_in_the_name():
    head = ("bolden Health And Beauty Sdn Bhd", "No 15 Jalan Bandar 10", "48000 Rawang")
    data = _receipt(*ITEMS, ("TOTAL", "5.27"), head=head)
    assert data["vendor"] == "bolden Health And Beauty Sdn Bhd"


def test_legal_form_line_under_the_name_is_not_the_address():
    head = ("GOLDEN LEAF STORES", "CO. (M) SDN BHD", "(Co. No. 113825-W)",
            "(GST Reg No. 001492992000)", "No 8, Jalan 7/118B, Desa Tun Razak",
            "56000 Kuala Lumpur")
    data = _receipt(*ITEMS, ("TOTAL", "5.27"), head=head)
    assert data["vendor_address"] == "No 8, Jalan 7/118B, Desa Tun Razak, 56000 Kuala Lumpur"


def test_house_numbers_are_not_a_price_that_ends_the_address():
    head = ("MERANTI FOODS SDN BHD", "(1143655-H)", "31,31A, JALAN MAJU 9,", "TAMAN INDAH,",
            "81300 SKUDAI")
    data = _receipt(*ITEMS, ("TOTAL", "5.27"), head=head)
    assert data["vendor_address"] == "31,31A, JALAN MAJU 9, TAMAN INDAH, 81300 SKUDAI"


def test_address_stops_at_a_care_line_and_an_email():
    for stop in ("careline:1800881231", "help@harbourmart.example"):
        head = ("HARBOUR MART", "Unit 5, Block A, Harbour Plaza", "46350 Petaling Jaya", stop,
                "Selangor")
        data = _receipt(*ITEMS, ("TOTAL", "5.27"), head=head)
        assert data["vendor_address"] == "Unit 5, Block A, Harbour Plaza, 46350 Petaling Jaya"


def test_a_slogan_with_a_web_address_is_not_the_vendor():
    head = ("TQFORSHOPPINGWITHmymart.com", "Harbour Mart", "12 Harbour Road", "Bristol")
    data = _receipt(*ITEMS, ("TOTAL", "5.27"), head=head)
    assert data["vendor"] == "Harbour Mart"


def test_a_total_picked_by_size_alone_has_no_margin():
    items: list[docgen.Item] = [(200, 60, "GOLDEN BAKERY", 11), (180, 100, "Milk 1L", 9),
                                (380, 100, "2.15", 9), (180, 114, "Bread", 9),
                                (380, 114, "3.12", 9)]
    out = extract_local(docgen.pages_of(docgen.make_pdf(items)), BUILTIN["receipt"])
    assert out.data["total"] == "3.12" and out.evidence["total"]["margin"] == 0.0


def test_the_old_name_after_formerly_known_as_is_not_the_vendor():
    head = ("Harbour Foods Sdn Bhd", "formerly known as", "Golden Lane Restaurants Sdn Bnd",
            "(65351-M)", "Level 6, Jalan Maju 3", "47400 Petaling Jaya")
    assert _receipt(*ITEMS, ("TOTAL", "5.27"), head=head)["vendor"] == "Harbour Foods Sdn Bhd"


def test_a_name_with_two_legal_forms_is_one_name_and_not_its_address():
    head = ("MERANTI CO. (M) BHD. (126926-H)", "3 FLOOR, TAMAN MALURI SC", "55100 KUALA LUMPUR")
    data = _receipt(*ITEMS, ("TOTAL", "5.27"), head=head)
    assert data["vendor"] == "MERANTI CO. (M) BHD."
    assert data["vendor_address"] == "3 FLOOR, TAMAN MALURI SC, 55100 KUALA LUMPUR"

"""Failure classes found on the tuning layouts D and F of scangen, rebuilt as text-layer pages:
who is billed when "Ship To" sits beside "Bill To", the vendor's name when OCR glued its legal
form or the title sits beside it, its address, the tax beside a net-amount row, the
buyer's VAT id that EU invoices print under "Bill to", a German letterhead and the
registration lines (SIRET, RCS, GSTIN) under an address."""

from config.schemas import INVOICE
from streams.extraction.local import extract_local
from tests.streams import docgen

HEAD = [(50, 50, "Kessler Werkzeuge GmbH", 16), (50, 70, "Hafenweg 4"), (50, 82, "20457 Hamburg"),
        (400, 50, "RECHNUNG", 18), (50, 120, "Rechnungsnr.: RE2024-0193"),
        (50, 134, "Datum: 05.03.2024")]
BILL = [(50, 200, "Rechnungsempfänger"), (50, 213, "Weber Bau AG"), (50, 225, "Gartenweg 19"),
        (50, 237, "28195 Bremen")]
# a skewed scan puts the delivery block half a line higher than the billing one, so its
# label is read first
SHIP = [(320, 192, "Lieferadresse"), (320, 205, "Falkner Logistik"), (320, 217, "Marktplatz 8"),
        (320, 229, "50667 Köln")]
TOTALS = [(370, 320, "Summe"), (480, 320, "119,00 EUR")]


def _customer(layout: list) -> str | None:
    return extract_local(docgen.pages_of(docgen.make_pdf(layout)), INVOICE).data["customer"]


def test_the_billed_party_is_the_customer_even_when_the_delivery_label_reads_first():
    assert _customer(HEAD + SHIP + BILL + TOTALS) == "Weber Bau AG"


def test_the_delivery_party_is_the_customer_when_nobody_is_billed():
    assert _customer(HEAD + SHIP + TOTALS) == "Falkner Logistik"


def _vendor(layout: list) -> str | None:
    return extract_local(docgen.pages_of(docgen.make_pdf(layout)), INVOICE).data["vendor"]


def test_a_legal_form_ocr_glued_to_the_name_still_ends_a_company_name():
    head = [(50, 50, "CopperleafHardwareLLC", 16), (400, 50, "INVOICE", 18),
            (50, 70, "59 Harbour Road"), (50, 82, "81300 Skudai, Johor"),
            (50, 94, "Phone +5549187160 · info@copperleaf.com")]
    # the customer is in the same town, so the town line recurs, as a shop's name does
    bill = [(50, 200, "Bill To"), (50, 213, "Weber Bau AG"), (50, 225, "14 Station Street"),
            (50, 237, "81300 Skudai, Johor")]
    assert _vendor(head + bill + TOTALS) == "CopperleafHardwareLLC"


def test_a_name_on_two_lines_beside_the_title_is_read_whole():
    head = [(50, 50, "Silver Oak", 16), (400, 50, "FACTUUR", 18), (50, 68, "Electrical BV", 16),
            (50, 88, "Herengracht 8"), (50, 100, "3526 KL Utrecht")]
    assert _vendor(head + TOTALS) == "Silver Oak Electrical BV"


def test_a_street_and_a_town_ocr_glued_are_not_the_name_even_when_they_recur():
    head = [(50, 50, "Riverside Florist", 16), (400, 50, "FACTURE", 18), (50, 70, "avenueFoch7"),
            (50, 82, "69002Lyon"), (50, 94, "Tel +6995724893")]
    bill = [(50, 200, "Adresse de facturation"), (50, 213, "Maison Ferrand"),
            (50, 225, "avenue Foch 77"), (50, 237, "69002 Lyon")]
    assert _vendor(head + bill + TOTALS) == "Riverside Florist"


def test_a_delivery_party_taken_for_the_customer_has_no_margin():
    out = extract_local(docgen.pages_of(docgen.make_pdf(HEAD + SHIP + TOTALS)), INVOICE)
    assert out.evidence["customer"]["margin"] == 0.0
    billed = extract_local(docgen.pages_of(docgen.make_pdf(HEAD + BILL + TOTALS)), INVOICE)
    assert "margin" not in billed.evidence.get("customer", {})


def test_a_billing_label_after_an_order_id_on_its_line_counts():
    head = [(50, 50, "Kessler Werkzeuge GmbH", 16), (50, 70, "Hafenweg 4, 20457 Hamburg"),
            (50, 120, "Order ID: OD304175096047380001 Billing Address"),
            (50, 133, "Anushrut Singh"), (400, 120, "Shipping Address"), (400, 133, "Priya Rao")]
    out = extract_local(docgen.pages_of(docgen.make_pdf(head + TOTALS)), INVOICE)
    assert out.data["customer"] == "Anushrut Singh"


def test_a_postcode_with_a_stray_dot_glued_to_its_town_is_not_a_price():
    head = [(50, 50, "Riverside Books SARL", 16), (400, 50, "FACTURE", 18),
            (50, 70, "avenueFoch165"), (50, 82, "750.16Paris"), (50, 94, "Tel +6788375241")]
    out = extract_local(docgen.pages_of(docgen.make_pdf(head + TOTALS)), INVOICE)
    assert out.data["vendor_address"] == "avenueFoch165, 750.16Paris"


def test_the_amount_of_a_net_row_whose_label_names_the_tax_is_not_the_tax():
    # OCR glued "Totaal excl. BTW" (so "excl" is not read) and garbled the tax row's amount
    rows = [(370, 300, "Totaalexcl.BTW"), (480, 300, "2.833,80 EUR"), (370, 314, "BTW 21%"),
            (480, 314, "566,38UR"), (370, 328, "TOTAAL"), (480, 328, "3.263,44 EUR")]
    head = [(50, 50, "Kingfisher Stationery B.V.", 16), (50, 70, "Dorpsstraat 84"),
            (50, 82, "2511 CV Den Haag"), (400, 50, "FACTUUR", 18)]
    out = extract_local(docgen.pages_of(docgen.make_pdf(head + rows)), INVOICE)
    assert out.data["subtotal"] == "2833.80" and out.data["tax"] != "2833.80"


def test_the_vat_id_printed_under_the_billed_party_is_not_the_vendors():
    bill = [(300, 140, "Bill to"), (300, 153, "Harlow Medical Group"), (300, 166, "8 Mill Lane"),
            (300, 179, "GB VAT GB123456789")]
    head = [(50, 50, "Acme Analytics Ltd", 16), (50, 70, "12 Harbour Road"),
            (50, 82, "Bristol BS1 4QA")]
    footer = [(50, 800, "VAT Reg No: GB987654321 · Company No 0123456", 7)]
    for extra, vat in (([], None), (footer, "GB987654321")):
        out = extract_local(docgen.pages_of(docgen.make_pdf(head + bill + TOTALS + extra)),
                            INVOICE)
        assert out.data["vendor_vat_id"] == vat


def test_a_german_letterhead_sender_line_and_customer_number():
    # DIN 5008: the sender's line over the address window, a customer number, no customer label
    page = [(50, 40, "Müller & Söhne GmbH · Industriestraße 12 · 70565 Stuttgart", 7),
            (50, 70, "Weber Bau AG"), (50, 83, "Gartenweg 19"), (50, 96, "28195 Bremen"),
            (50, 160, "Rechnung", 16), (50, 185, "Kundennummer:"), (160, 185, "K-10234"),
            (50, 198, "Rechnungsnummer:"), (160, 198, "2024-0815"),
            (50, 240, "Pos."), (90, 240, "Bezeichnung"), (490, 240, "Gesamt"),
            (50, 256, "1"), (90, 256, "Montage"), (490, 256, "100,00 €"), *TOTALS]
    out = extract_local(docgen.pages_of(docgen.make_pdf(page)), INVOICE)
    assert out.data["vendor_address"] == "Industriestraße 12, 70565 Stuttgart"
    assert out.data["customer"] != "Pos"


def test_a_registration_line_under_the_address_is_not_part_of_it():
    for line in ("SIRET 123 456 789 00012", "GSTIN 06AABCO6063D1ZQ", "RCS Lyon 123 456 789"):
        head = [(50, 50, "ATELIER DUBOIS SARL", 14), (50, 66, "15 rue de la République"),
                (50, 78, "69002 Lyon"), (50, 90, line), (350, 50, "FACTURE", 16)]
        out = extract_local(docgen.pages_of(docgen.make_pdf(head + TOTALS)), INVOICE)
        assert out.data["vendor_address"] == "15 rue de la République, 69002 Lyon"

"""Failure classes seen on real scanned receipts, rebuilt from generated text (no real file)."""

import pytest

from config.schemas import BUILTIN
from streams.extraction.dates import find_dates
from streams.extraction.layout import build_layout
from streams.extraction.local import extract_local
from streams.extraction.names import clean_name
from streams.extraction.normalize import find_amounts
from streams.extraction.rules import id_spans, vat_spans
from tests.streams import docgen
from tests.streams.test_accuracy_rules import ITEMS, _receipt


@pytest.mark.parametrize(("text", "amount"), [("CHANGE RM .40", "0.40"),
                                              ("Rounding Adjustment RM ,02", "0.02"),
                                              ("CHANGE RM | .40", "0.40")])
def test_an_amount_whose_leading_zero_ocr_dropped(text, amount):
    assert [v for *_, v in find_amounts(text)] == [amount]


def test_a_number_after_an_abbreviation_is_not_an_amount():
    assert find_amounts("No.40") == []


@pytest.mark.parametrize(("text", "iso"), [("Datum:22/05/2023-12:30", "2023-05-22"),
                                           ("Date.28/12/2017", "2017-12-28"),
                                           ("19-09-1715:39 SH01ZJ03", "2017-09-19")])
def test_dates_after_a_dot_or_before_a_dashed_time(text, iso):
    assert [v for *_, v in find_dates(text)] == [iso]


@pytest.mark.parametrize(("text", "iso"), [("27032018 | No:CS-20243", "2018-03-27"),
                                           ("27.032018 | No.CS-20242", "2018-03-27"),
                                           ("De:10032018641:08", "2018-03-10"),
                                           ("19Mar201818:2", "2018-03-19"),
                                           ("25/Fe0/20170743:54", "2017-02-25"),
                                           ("27/01/2021.15:30 | #7967", "2021-01-27"),
                                           ("13May2016.13:32 | #6224", "2016-05-13"),
                                           ("Date': | 30.07:2021", "2021-07-30"),
                                           ("Datum:16:03.2019", "2019-03-16"),
                                           ("Datum:13-12-19.07:06", "2019-12-13"),
                                           ("Vervaldatum: 22:apr2017", "2017-04-22")])
def test_dates_whose_separators_or_time_ocr_garbled(text, iso):
    assert [v for *_, v in find_dates(text)] == [iso]


@pytest.mark.parametrize("text", ["Tel 20180327", "No 12345678", "INV27032018", "27032018.50",
                                  "Total 12.03 2018", "12/03/2021.5", "13May2016.5",
                                  "10:30:2021"])
def test_eight_digits_that_are_no_day_first_date(text):
    assert find_dates(text) == []


def test_a_date_with_a_dot_inside_its_day_is_not_read_without_that_digit():
    # "14-03-17" with a stray dot after the day's first digit: not the 4th
    assert "2017-03-04" not in [v for *_, v in find_dates("Date:1.4-03-17.12:17")]


def test_a_dashed_product_code_is_not_a_date():
    assert find_dates("HD03-04-06-5/40/160") == []


def test_an_unlabelled_date_is_not_read_from_a_product_code_above_it():
    data = _receipt(("TOILET BRUSH", "*S"), ("HD03-04-06-5/40/160", ""), ("9067860 1X2.70", "2.70"),
                    ("TOTAL", "2.70"), ("19-09-17 15:39 SH01ZJ03", ""))
    assert data["date"] == "2017-09-19"


def test_the_rounded_amount_when_the_adjustment_lost_its_leading_zero():
    data = _receipt(*ITEMS, ("Total Sales (Inclusive GST)", "RM 13.58"),
                    ("Rounding Adjustment", "RM ,02"), ("Rounding", "RM 13.60"),
                    ("CASH", "RM 14.00"), ("CHANGE", "RM .40"))
    assert data["total"] == "13.60"


def test_a_name_with_its_registration_number_on_the_same_line():
    head = ("99 SPEED MART S/D (519537-X)", "LOT P.T. 2811, JALAN ANGSA", "41150 KLANG, SELANGOR")
    data = _receipt(*ITEMS, ("TOTAL", "5.27"), head=head)
    assert data["vendor"] == "99 SPEED MART S/D"
    assert data["vendor_address"].startswith("LOT P.T. 2811")


def test_a_company_number_in_brackets_is_neither_name_nor_address():
    head = ("Dion Realties Sdn Bhd (Co. No:20154-T)", "Menara Dion #02-03, Level 2,",
            "27, Jalan Sultan Ismail,", "50250 Kuala Lumpur.")
    data = _receipt(*ITEMS, ("TOTAL", "5.27"), head=head)
    assert data["vendor"] == "Dion Realties Sdn Bhd"
    assert data["vendor_address"].startswith("Menara Dion #02-03")


def test_cash_and_carry_is_a_shop_name_and_an_address_line_is_not():
    head = ("FIVESTAR CASH&CARRY", "G.23 & G.22, Plaza Seri Setia", "No.1 Jalan SS 9/1, 47300 PJ")
    data = _receipt(*ITEMS, ("TOTAL", "5.27"), head=head)
    assert data["vendor"] == "FIVESTAR CASH&CARRY"


def test_a_name_on_two_lines_above_a_bare_registration_number_keeps_its_address():
    head = ("TSH POWER HARDWARE", "TRADING", "002458685-T", "13-1, Jalan PJU 5/10,",
            "Dataran Sunway, Kota Damansara,", "47810, Petaling Jaya, Selangor", "Tel: 012-3732096",
            "TAX INVOICE", "GST Reg No: 000460664832")
    data = _receipt(*ITEMS, ("TOTAL", "5.27"), head=head, name_lines=2)
    assert data["vendor"].startswith("TSH POWER HARDWARE")
    assert data["vendor_address"] == ("13-1, Jalan PJU 5/10, Dataran Sunway, Kota Damansara, "
                                      "47810, Petaling Jaya, Selangor")


def test_a_receipt_title_is_not_the_shop_name():
    head = ("LOTUS CAFE", "rue des Tanneurs 174", "75016 Paris", "Tel: 057-4498270", "TICKET")
    data = _receipt(*ITEMS, ("TOTAL", "CHF 46,49"), ("TVA incluse 6%", "2,63"), head=head)
    assert data["vendor"] == "LOTUS CAFE"


def test_a_name_on_two_lines_without_a_legal_form_is_read_whole():
    head = ("Silver", "Oak Hardware", "Dorpsstraat 23", "1012 AB Amsterdam")
    data = _receipt(*ITEMS, ("TOTAL", "5.27"), head=head, name_lines=2)
    assert data["vendor"] == "Silver Oak Hardware"
    assert data["vendor_address"] == "Dorpsstraat 23, 1012 AB Amsterdam"


def test_the_operator_under_an_owned_by_line_is_not_the_shop_name():
    head = ("SANYU STATIONERY SHOP", "NO. 31G&33G, JALAN SETIA INDAH X", "40170 SETIA ALAM",
            "Tel: +603-33624137", "TAX INVOICE", "Owned By:", "SANYU SUPPLY SDN BHD (1135772-K)")
    data = _receipt(*ITEMS, ("TOTAL", "5.27"), head=head)
    assert data["vendor"] == "SANYU STATIONERY SHOP"


def test_an_item_above_a_gst_total_line_is_not_the_shop_name():
    head = ("SANYU STATIONERY SHOP", "NO. 31G&33G, JALAN SETIA INDAH X", "40170 SETIA ALAM",
            "GSTIDNo:001531760640", "CASH SALES COUNTER", "1.2005-0263 ARTLINE BOARD MARKER")
    data = _receipt(("MARKER-BLACK", ""), ("1 X 3.70", "3.70"), ("2.2012-0029 ORDER CHIT", ""),
                    ("3 X 2.90", "8.70"), ("Total SalesInclusive GST @6%", "12.40"),
                    ("TOTAL", "12.40"), head=head)
    assert data["vendor"] == "SANYU STATIONERY SHOP"


@pytest.mark.parametrize("glued", [False, True])
def test_a_mall_printed_over_the_shop_is_neither_its_name_nor_the_end_of_its_address(glued):
    head = ("OASIS VILLAGE", "LOUNGE 2, GROUND FLOOR, ASIS VILLAGE NO 2,",
            "JALAN PJU 1A/7A, OASIS SQUARE, OASIS DAMANSARA.", "47301, PETALING JAYA, SELANGOR",
            "careline: 1800881231", "MYNEWS RETAIL SB (306295-X) FKA BISON STORES SB",
            "TAX REG ID CBP000709361664")
    if glued:  # OCR loses the spaces on these receipts
        head = tuple(line.replace(" ", "") for line in head)
    data = _receipt(("QTY PRICE DISC", "AMT"), ("UNICORN BALL PEN BLUE 1", "1.90"),
                    ("TOTAL", "1.90"), head=head)
    assert data["vendor"].replace(" ", "") == "MYNEWSRETAILSB"
    assert data["vendor_address"].replace(" ", "").startswith("LOUNGE2,GROUNDFLOOR")
    assert data["vendor_address"].replace(" ", "").endswith("PETALINGJAYA,SELANGOR")


def test_a_sentence_above_a_company_name_is_not_the_first_half_of_it():
    head = ("Note:AllPayment tobemade infavor of", "Oravel Stays Pvt. Ltd.", "Bank: HDFC")
    data = _receipt(*ITEMS, ("TOTAL", "5.27"), head=head, name_lines=2)
    assert data["vendor"] == "Oravel Stays Pvt. Ltd."


def test_a_legal_form_on_its_own_line_ends_the_name_above_it():
    head = ("Nando's", "PERI-PERI CHICKEN", "Nando's Chickenland Malaysia", "Sdn Bhd",
            "Unit G-13, Ground Floor, No.1", "Jln Kiara, Mont Kiara", "50480 Kuala Lumpur",
            "Tel: 1300-88-6555")
    data = _receipt(*ITEMS, ("TOTAL", "5.27"), head=head)
    assert data["vendor"] == "Nando's Chickenland Malaysia Sdn Bhd"
    assert data["vendor_address"].startswith("Unit G-13")


@pytest.mark.parametrize(("head", "address"), [
    (("Nando's Chickenland Malaysia Sdn Bhd", "Nando's 1 Mont Kiara", "Unit G-13, Ground Floor",
      "Jln Kiara, Mont Kiara", "50480 Kuala Lumpur"),
     "Unit G-13, Ground Floor, Jln Kiara, Mont Kiara, 50480 Kuala Lumpur"),
    (("SUNWAY TRADING SDN BHD", "SUNWAY PYRAMID, LOT 5", "JALAN PJS 11/15", "46150 PETALING JAYA"),
     "SUNWAY PYRAMID, LOT 5, JALAN PJS 11/15, 46150 PETALING JAYA"),
])
def test_an_outlet_named_after_the_company_is_not_the_first_line_of_its_address(head, address):
    data = _receipt(*ITEMS, ("TOTAL", "5.27"), head=head)
    assert data["vendor_address"] == address


@pytest.mark.parametrize(("rows", "total"), [
    ((("SUBTOTAL", "81.96"), ("GST 6%", "4.92"), ("TOTAL", "8688")), "86.88"),
    ((("SUB-TOTAL(GST)", "4.00"), ("TOTAL", "400"), ("GST 6% INCLUDED IN TOTAL", ""),
      ("TAX TOTAL:", "0.23")), "4.00"),
], ids=["subtotal plus tax", "the subtotal, tax included"])
def test_a_total_whose_decimal_point_ocr_lost(rows, total):
    data = _receipt(("PLUG TOP 1 X", "4.06"), *rows)
    assert data["total"] == total


def test_a_total_label_whose_t_and_o_ocr_read_as_i_and_u():
    data = _receipt(("PRINGLES SOUR CREAM", "4.80"), ("SUBIUIAL", "4.80"), ("6% TAX", "0.24-"),
                    ("SUBIUIAL.", "4.51"), ("RUUNDING ADJUSIMENIS", "0.01-"),
                    ("IUIAL(GSIINLL)", "4.50"), ("LASH", "4.50"))
    assert data["total"] == "4.50"


def test_a_branch_name_over_a_tax_id_is_not_the_address():
    head = ("TF Value-Mart Sdn Bhd (482123-U)", "Bentong-2", "GST Reg No 000184401920",
            "Jalan Tras Batu 1", "28700 Bentong", "Pahang Darul Makmur.", "Tel: 09-2201388")
    data = _receipt(*ITEMS, ("TOTAL", "5.27"), head=head)
    assert data["vendor_address"] == "Jalan Tras Batu 1, 28700 Bentong, Pahang Darul Makmur."


@pytest.mark.parametrize(("text", "vat"), [("VAT: G8763077005", "GB763077005"),
                                           ("BTW NL842015025801", "NL842015025B01"),
                                           ("BTW NL815254295B01", "NL815254295B01")])
def test_a_vat_id_whose_b_ocr_read_as_8(text, vat):
    assert [v for *_, v in vat_spans(text)] == [vat]


@pytest.mark.parametrize(("text", "vat"), [
    ("USt-IdNr.:DE796127105.IBAN.DE806247327889961441·BICBNPAFRPP", "DE796127105"),
    ("VAT No: GB 123 4567 89 BIC BARCGB22", "GB 123 4567 89"),
    ("USt-IdNr.:DE752653644IBANDE927404844370082885-BICBNPAFRPP", "DE752653644"),
    ("BTW-nr:NL224815356B01IBANNL32123938896571", "NL224815356B01")])
def test_the_label_after_a_vat_id_in_a_footer_is_not_part_of_it(text, vat):
    assert [v for *_, v in vat_spans(text)] == [vat]


@pytest.mark.parametrize(("text", "vat"), [("123 4567 89", "123 4567 89"),
                                          ("No. 123 4567 89", "123 4567 89")])
def test_a_uk_vat_number_printed_without_gb_in_groups(text, vat):
    assert [v for *_, v in vat_spans(text)] == [vat]


@pytest.mark.parametrize(("text", "number"), [("2018-9249-Portal", "2018-9249"),
                                              ("RE2020-9872-Partal", "RE2020-9872"),
                                              ("INV-2024-ABCD", "INV-2024-ABCD"),
                                              ("2020-3149Portal", "2020-3149")])
def test_a_word_glued_after_an_invoice_number_is_not_part_of_it(text, number):
    assert [v for *_, v in id_spans(text)] == [number]


def test_a_name_on_two_lines_whose_second_box_ocr_drew_taller():
    # OCR boxes take in descenders ("Oak Trading" has a g, "Silver" none): heights differ
    items = [(200, 60, "Silver", 11), (200, 76, "Oak Trading", 13.5),
             (200, 94, "avenue Foch 74", 9), (200, 108, "69002 Lyon", 9),
             (180, 140, "TOTAL", 9), (380, 140, "5.27", 9)]
    pages = docgen.pages_of(docgen.make_pdf(items))
    assert extract_local(pages, BUILTIN["receipt"]).data["vendor"] == "Silver Oak Trading"


@pytest.mark.parametrize(("text", "name"), [("AEON C0. (M) BHD", "AEON CO. (M) BHD"),
                                            ("Silver 0ak Trading", "Silver Oak Trading"),
                                            ("7-ELEVEN MALAYSIA", "7-ELEVEN MALAYSIA"),
                                            ("KEDAI 101 SDN BHD", "KEDAI 101 SDN BHD")])
def test_a_zero_ocr_read_inside_a_name_is_an_o(text, name):
    assert clean_name(text) == name


def test_a_tax_line_that_says_included_in_total_is_not_the_total():
    data = _receipt(*ITEMS, ("TotalIncl.GST6%", "RM_34.80"), ("CASH", "RM100.00"),
                    ("CHANGE", "RM65.20"), ("GST @6%included in total", "RM1.97"))
    assert data["total"] == "34.80"


@pytest.mark.parametrize("text", ["5.00RN", "5.00RH"])
def test_an_amount_glued_to_rm_that_ocr_read_as_rn_or_rh(text):
    assert [v for *_, v in find_amounts(text)] == ["5.00"]


def test_a_date_ocr_put_inside_the_name_line_is_not_part_of_the_name():
    head = ("UNIHAKKA INTERNATIONAL 19Mar2018 18:26 SDN BHD", "(867388-U)",
            "12, JALAN TAMPOI 7/4, KAWASAN PERINDUSTRIAN TAMPOI", "81200 JOHOR BAHRU, JOHOR")
    data = _receipt(*ITEMS, ("TOTAL", "5.27"), head=head)
    assert data["vendor"] == "UNIHAKKA INTERNATIONAL SDN BHD"


def test_paid_amount_minus_change_is_the_total_when_the_payable_label_is_garbled():
    data = _receipt(("A4 PAPER 80gsm", "7.42"), ("Total Incl GST @6%:", "7.42"),
                    ("Roundng Adjustment:", "(0.01)"), ("Tol Ant Puyable:", "7.40"),
                    ("Paid Amount:", "10.00"), ("Change:", "2.60"))
    assert data["total"] == "7.40"


def test_a_receipt_date_glued_to_its_time_by_a_dot_beats_the_print_footer():
    data = _receipt(("27/01/2021.15:30", "#7967"), ("Milk 1L", "2.15"), ("TOTAL", "2.15"),
                    ("15.05.2021 18:02 1/1", ""))
    assert data["date"] == "2021-01-27"


def test_a_decimal_comma_ocr_read_as_a_semicolon():
    assert [v for *_, v in find_amounts("Tebetalen:2.335;06EUR")] == ["2335.06"]
    assert [v for *_, v in find_amounts("12;345")] == ["12.00", "345.00"]


def test_an_invoice_prefix_glued_to_its_number_is_not_a_label():
    items = [(40, 40, "Rechnung INV2024-4112-Portal", 9), (60, 90, "RECHNUNG", 14),
             (60, 140, "Rechnungsnr.:", 9), (200, 140, "INV2024-4112", 9),
             (60, 160, "Summe", 9), (200, 160, "1.767,51 EUR", 9)]
    data = extract_local(docgen.pages_of(docgen.make_pdf(items)), BUILTIN["invoice"]).data
    assert data["invoice_number"] == "INV2024-4112"


def test_a_label_and_its_value_that_fall_into_neighbouring_rows():
    # two columns spaced differently: the value sits on the left column's upper line, and its
    # label on the lower one
    items = [(60, 50, "RECHNUNG", 14), (40, 100, "Tel: +49 421 845 2409", 8),
             (40, 112, "USt-IdNr.: DE957698721", 8), (330, 108, "Rechnungsnr.:", 10),
             (420, 107, "2018-5753", 10), (60, 160, "Summe", 9), (200, 160, "1.767,51 EUR", 9)]
    pages = docgen.pages_of(docgen.make_pdf(items))
    rows = [[b.text for b in row] for row in build_layout(pages).rows]
    assert ["Tel: +49 421 845 2409", "2018-5753"] in rows  # the case this test is about
    assert extract_local(pages, BUILTIN["invoice"]).data["invoice_number"] == "2018-5753"


@pytest.mark.parametrize(("head", "address"), [
    pytest.param(("SANYU STATIONERY SHOP", "NO. 31G&33G, JALAN SETIA INDAH X", "40170 SETIA ALAM",
                  "Mobile/Whatsapps: +6012-9187937"),
                 "NO. 31G&33G, JALAN SETIA INDAH X, 40170 SETIA ALAM", id="a mobile number"),
    pytest.param(("AMANO MALAYSIA SDN BHD", "JALAN PERMAS UTARA 1,",
                  "PERMAS JAYA 81750 MASAI JOHOR", "Te:0111-0550000"),
                 "JALAN PERMAS UTARA 1, PERMAS JAYA 81750 MASAI JOHOR",
                 id="a phone number whose label OCR garbled"),
    pytest.param(("AIK HUAT HARDWARE ENTERPRISE", "822737-X", "NO.17-G, JALAN SETIA INDAH",
                  "SEKSYEN U13, 40170 SHAH ALAM", "Te:0111-588-0000"),
                 "NO.17-G, JALAN SETIA INDAH, SEKSYEN U13, 40170 SHAH ALAM",
                 id="a bare registration number and a two-dash phone"),
    pytest.param(("BHPetrol Palekbang", "Lot 1626, Mukim Kampung Laut,",
                  "Tumpat, 16200 Palekbang, Kelantan", "PREPAY CHIT NUMBER", "29721"),
                 "Lot 1626, Mukim Kampung Laut, Tumpat, 16200 Palekbang, Kelantan",
                 id="a number's label and its number"),
    pytest.param(("AIK HUAT HARDWARE ENTERPRISE", "822737-X", "NO.17-G, JALAN SETIA INDAH",
                  "SEKSYEN U13,40I70 SHAH ALAM", "TEL:012-6651783"),
                 "NO.17-G, JALAN SETIA INDAH, SEKSYEN U13,40I70 SHAH ALAM",
                 id="a section and a misread postcode that look like a price"),
])
def test_lines_that_end_the_address_or_are_not_part_of_it(head, address):
    data = _receipt(*ITEMS, ("TOTAL", "5.27"), head=head)
    assert data["vendor_address"] == address

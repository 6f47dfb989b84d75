"""Line items of documents that print no table header: found only when they add up."""

from config.schemas import BUILTIN
from streams.extraction.local import extract_local
from tests.streams import docgen

HEAD = [
    (200, 60, "KEDAI RUNCIT SRI MAJU SDN BHD", 11), (215, 88, "NO 7, JALAN MAWAR 3"),
    (225, 102, "43000 KAJANG, SELANGOR"), (250, 150, "TAX INVOICE"),
    (180, 170, "Date: 07/03/2018  14:22"),
]
PAID = [(180, 282, "CASH"), (370, 282, "50.00"), (180, 296, "CHANGE"), (370, 296, "27.30")]


def _items(layout: list[docgen.Item], schema: str = "receipt") -> list[dict]:
    data = extract_local(docgen.pages_of(docgen.make_pdf(layout)), BUILTIN[schema]).data
    return [{k: v for k, v in item.items() if v is not None} for item in data["line_items"]]


def test_rows_above_the_total_that_add_up_to_it_are_the_items():
    items = _items(docgen.receipt())
    assert items == [{"description": "MILO 1KG", "amount": "18.90"},
                     {"description": "ROTI GARDENIA", "amount": "3.80"}]


def test_rows_that_do_not_add_up_are_not_items():
    layout = [*HEAD, (180, 200, "MILO 1KG"), (370, 200, "18.90"),
              (180, 214, "ROTI GARDENIA"), (370, 214, "3.80"),
              (180, 268, "Total"), (370, 268, "RM 25.00"), *PAID]
    assert _items(layout) == []


def test_a_name_printed_over_its_figures_and_the_item_count_under_them():
    # a shop's till prints the name, then the code and figures; the count is no description
    layout = [*HEAD, (180, 200, "PADLOCK ST-P6150 50MM *S"), (180, 214, "WA21-20"),
              (180, 228, "6942131561507 1X9.90"), (370, 228, "9.90"),
              (180, 242, "PLASTIC BAGS *S"), (180, 256, "99999 1X0.20"), (370, 256, "0.20"),
              (180, 270, "Item(s) : 2  Qty(s) : 2"),
              (180, 284, "Total Incl. GST@6%"), (370, 284, "RM 10.10")]
    items = _items(layout)
    assert [i["amount"] for i in items] == ["9.90", "0.20"]
    assert items[0]["description"] == "PADLOCK ST-P6150 50MM *S\nWA21-20"
    assert items[1]["description"] == "PLASTIC BAGS *S"


def test_an_unlabelled_total_row_is_not_an_item():
    # no total label: the rows above the one the total was read from are the items
    layout = [*HEAD, (180, 200, "Cable ties"), (370, 200, "26.00"),
              (180, 214, "Notebook"), (370, 214, "26.18"), (370, 228, "52.18"),
              (180, 242, "Tax included 19%"), (370, 242, "8.33"),
              (180, 256, "CASH"), (370, 256, "60.00"), (180, 270, "CHANGE"), (370, 270, "7.82")]
    items = _items(layout)
    assert [(i["description"], i["amount"]) for i in items] == [
        ("Cable ties", "26.00"), ("Notebook", "26.18")]


def test_a_summary_block_is_not_items():
    # "Charges 4.11" equals the total, but it is the invoice's summary, not a service
    layout = [(60, 60, "ACME CLOUD INC", 14), (60, 90, "Invoice Number: 42183017"),
              (60, 104, "Invoice Date: August 3, 2014"),
              (60, 140, "Summary"), (60, 160, "Charges"), (400, 160, "$4.11"),
              (60, 174, "Credits"), (400, 174, "$0.00"), (60, 188, "Tax"), (400, 188, "$0.00"),
              (60, 202, "Total for this invoice"), (400, 202, "$4.11")]
    assert _items(layout, "invoice") == []


def test_items_add_up_to_the_subtotal_printed_on_their_totals_row():
    # a receipt has no subtotal field; the items add up to the "Sub Total" row under them,
    # and the till glues the tax code to each amount
    layout = [*HEAD, (180, 200, "Tiger Bucket"), (370, 200, "95.00 SR"),
              (180, 214, "Chicken wings"), (370, 214, "22.00SR"),
              (180, 228, "French Fries"), (370, 228, "12.00SR"),
              (180, 242, "Sub Total"), (370, 242, "129.00"), (180, 256, "GST 6%"),
              (370, 256, "7.74"), (180, 270, "Net Total"), (370, 270, "136.74")]
    items = _items(layout)
    assert [(i["description"], i["amount"]) for i in items] == [
        ("Tiger Bucket", "95.00"), ("Chicken wings", "22.00"), ("French Fries", "12.00")]


def test_items_found_by_their_sum_confirm_nothing():
    # chosen because they add up to the total, they cannot confirm it: a scanned total that
    # nothing else checks (no cash and change here) still goes to a person
    from datetime import date

    from streams.document import Page
    from streams.extraction.assess import assess
    from streams.extraction.grounding import ground
    from streams.ocr import ocr_image

    words, width, height = ocr_image(docgen.render_jpeg(docgen.make_pdf(docgen.receipt()[:-4])))
    pages = [Page(number=1, width=width, height=height, source="image", words=words)]
    out = assess(ground(extract_local(pages, BUILTIN["receipt"]), pages), pages,
                 BUILTIN["receipt"], today=date(2026, 12, 6), threshold=0.9)
    assert [i["amount"] for i in out.data["line_items"]] == ["18.90", "3.80"]
    assert any(c.rule == "line_items_sum_to_subtotal" and c.ok for c in out.checks)
    assert out.confidence["total"] <= 0.85
    assert out.review.reasons["total"] == "unconfirmed_scan"


def test_a_count_row_is_no_header_and_the_tax_summary_under_it_no_items():
    # "Total Item(s): 1" names an item column and a total column, but it is a totals row:
    # the GST summary under it is not a table of items
    layout = [*HEAD, (180, 200, "24MM X 7Y ONE TAPE"), (180, 214, "1.00 15.90"),
              (370, 214, "15.90 SR"), (180, 228, "Subtotal:"), (370, 228, "15.90"),
              (180, 242, "Total Incl. of GST"), (370, 242, "15.90"),
              (180, 256, "Total Item(s): 1"), (180, 270, "GST Summary Amount(RM) Tax(RM)"),
              (180, 284, "SR @6%  15.00"), (370, 284, "0.90")]
    items = _items(layout)
    assert [(i["description"], i["amount"]) for i in items] == [("24MM X 7Y ONE TAPE", "15.90")]


def test_a_header_over_a_nameless_first_item_is_not_its_name():
    # the header's own reading finds no money (the tax code is glued to the cents), so the
    # rows above the total are read by their sum; the header row is not the first item's name,
    # and a reading with a nameless item is rejected
    layout = [*HEAD, (180, 200, "Item Qty Amount"),
              (180, 214, "8886467102 1 X"), (370, 214, "3.30SR"),
              (180, 228, "RULER 30CM"), (180, 242, "9556 1 X"), (370, 242, "1.60SR"),
              (180, 256, "Total"), (370, 256, "4.90")]
    assert _items(layout) == []

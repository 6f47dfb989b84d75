"""Grounding finds values where they were printed, in any printed form, and scores trust."""

import pytest

from streams.document import Citation, Extraction
from streams.extraction.grounding import ground
from tests.streams.docgen import make_pdf, pages_of, text_rect

LAYOUT = [
    (60, 60, "ACME TRADING GMBH", 14),
    (60, 90, "Rechnungsdatum: 12. März 2024"),
    (60, 104, "Rechnungsnr. R-4471"),
    (60, 200, "Versand"), (420, 200, "10,00 €"),
    (60, 214, "Verpackung"), (420, 214, "10,00 €"),
    (300, 400, "Gesamtbetrag"), (420, 400, "1.234,56 €"),
]


@pytest.fixture(scope="module")
def doc():
    pdf = make_pdf(LAYOUT)
    return pdf, pages_of(pdf)


def _close(box, expected, tol=0.01):
    return all(abs(a - b) <= tol for a, b in zip(box, expected, strict=True))


def _ground(pages, data, **kw):
    return ground(Extraction(data=data, provider="groq", model="m", **kw), pages)


def test_citations_are_where_the_text_was_printed(doc):
    pdf, pages = doc
    out = _ground(pages, {"total": "1234.56", "date": "2024-03-12", "vendor": "Acme Trading GmbH",
                          "invoice_number": "R-4471"})
    assert _close(out.citations["total"][0].bbox, text_rect(pdf, "1.234,56"))
    assert _close(out.citations["date"][0].bbox, text_rect(pdf, "12. März 2024"))
    assert _close(out.citations["vendor"][0].bbox, text_rect(pdf, "ACME TRADING GMBH"))
    assert _close(out.citations["invoice_number"][0].bbox, text_rect(pdf, "R-4471"))
    assert all(c[0].page == 1 for c in out.citations.values())
    assert all(out.confidence[f] >= 0.8 for f in out.data)


def test_confidence_orders_found_fuzzy_missing_invalid(doc):
    _, pages = doc
    out = _ground(pages, {"vendor": "Acme Tradng GmbH", "total": "999.99", "tax": None,
                          "subtotal": "1234.56", "date": None},
                  confidence={"total": 1.0, "subtotal": 0.0}, errors={"date": "not a date"})
    assert 0.45 <= out.confidence["vendor"] <= 0.75  # fuzzy: typo of a printed name
    assert out.confidence["total"] <= 0.4  # confident, but not in the document
    assert out.confidence["subtotal"] >= 0.6 > out.confidence["total"]  # found beats missing
    assert "total" not in out.citations
    assert out.confidence["date"] == 0.0 and out.confidence["tax"] == 0.0


def test_the_extractors_own_citation_picks_among_repeats(doc):
    pdf, pages = doc
    second = text_rect(pdf, "10,00")  # search_for returns the first; take the one lower down
    lower = (second[0], second[1] + 14 / 842, second[2], second[3] + 14 / 842)
    out = _ground(pages, {"x_amount": "10.00"},
                  citations={"x_amount": [Citation(page=1, bbox=lower)]})
    assert _close(out.citations["x_amount"][0].bbox, lower)



def test_a_value_not_found_keeps_the_extractors_own_citation(doc):
    # the local extractor cleans what it reads (an OCR 0 read as O, a number cut off the
    # name): the value is not printed as it reads, but where it came from is still known
    pdf, pages = doc
    where = [Citation(page=1, bbox=text_rect(pdf, "ACME TRADING GMBH"))]
    out = _ground(pages, {"vendor": "ACME TRADE HOUSE", "total": "999.99"},
                  citations={"vendor": where})
    assert out.evidence["vendor"]["found"] == 0.0 and out.confidence["vendor"] <= 0.4
    assert out.citations["vendor"] == where
    assert "total" not in out.citations  # nothing cited it: nothing to keep

def test_line_items_are_keyed_and_averaged(doc):
    _, pages = doc
    out = _ground(pages, {"line_items": [{"description": "Versand", "amount": "10.00"},
                                         {"description": "Nowhere", "amount": "77.00"}]})
    assert "line_items[0].amount" in out.citations
    assert "line_items[1].amount" not in out.citations
    assert out.confidence["line_items[0].description"] > out.confidence[
        "line_items[1].description"]
    assert 0 < out.confidence["line_items"] < 1


def test_repeated_item_values_cite_successive_rows(doc):
    _, pages = doc
    out = _ground(pages, {"line_items": [{"description": "Versand", "amount": "10.00"},
                                         {"description": "Verpackung", "amount": "10.00"}]})
    first, second = (out.citations[f"line_items[{i}].amount"][0].bbox for i in (0, 1))
    assert second[1] > first[1] + 0.01  # the second item's amount is the lower one


def test_ocr_words_ground_too():
    from streams.document import Page, Word

    page = Page(number=1, width=100, height=100, source="image", words=[
        Word(text="TOTAL", bbox=(0.1, 0.5, 0.3, 0.55)), Word(text="RM37.10", bbox=(0.6, 0.5, 0.8,
                                                                                   0.55))])
    out = _ground([page], {"total": "37.10", "currency": "MYR"})
    assert out.citations["total"][0].bbox == (0.6, 0.5, 0.8, 0.55)
    assert out.confidence["currency"] >= 0.6


def test_a_value_found_line_by_line_skips_the_whole_values_fuzzy_search(doc, monkeypatch):
    from streams.extraction import locate

    _, pages = doc
    searched: list[str] = []
    real = locate._fuzzy_hits

    def spy(block, pieces, target, matcher):
        searched.append(target)
        return real(block, pieces, target, matcher)

    monkeypatch.setattr(locate, "_fuzzy_hits", spy)
    # Two printed lines given as one value: never verbatim as a whole, each line exactly.
    out = _ground(pages, {"vendor_address": "Rechnungsnr. R-4471\nGesamtbetrag"})
    assert out.confidence["vendor_address"] >= 0.6 and len(out.citations["vendor_address"]) == 1
    assert searched == []  # the near-miss scan of every block is the costly part of grounding
    _ground(pages, {"vendor_address": "Rechnungsnr. R-4471 Zzqx Wvut"})  # no line, no whole
    assert searched  # so the scan still runs where nothing verbatim was found

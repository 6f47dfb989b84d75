"""Calibrated confidence and review gating, for the local extractor and LLM answers alike."""

import asyncio
from datetime import date

import pytest

from config.schemas import INVOICE, RECEIPT, FieldSpec, SchemaDef
from stores.metrics import Metrics
from streams.document import Extraction
from streams.extraction import calibration as cal
from streams.extraction.assess import assess, gate, same_value
from streams.extraction.grounding import ground
from streams.extraction.local import extract_local
from streams.extraction.providers.chain import ProviderChain
from streams.extraction.run import extract_pages
from tests.fakes.fixtures import fake, fake_server, make_settings  # noqa: F401 (fixtures)
from tests.streams import docgen
from topics.models import Check

TODAY = date(2026, 12, 6)
# label and value in one text run, so the fake model (which reads lines) reads them right
LLM_INVOICE = [(50, 60, "Brightwater Analytics Ltd", 16), (50, 78, "12 Harbour Road, Bristol"),
               (380, 90, "Invoice Number: INV-2024-0193"), (380, 104, "Invoice Date: 05/03/2024"),
               (380, 310, "Subtotal: 1,291.00 GBP"), (380, 324, "VAT: 258.20 GBP"),
               (380, 338, "Total Due: 1,549.20 GBP")]
BASE = {"found": 1.0, "prior": 0.75, "margin": 0.5, "ocr": 0.9, "shape": 1.0, "top": 1.0,
        "first": 1.0, "agree": 0.0, "fail": 0.0}


@pytest.mark.parametrize("feature", [f for f in cal.FEATURES if f != "fail"])
@pytest.mark.parametrize("kind", cal.KINDS)
def test_more_evidence_never_lowers_confidence(feature, kind):
    steps = [cal.probability(kind, BASE | {feature: v / 4}) for v in range(5)]
    assert steps == sorted(steps)


def test_a_failed_check_lowers_and_caps_confidence():
    strong = BASE | {"prior": 1.0, "margin": 1.0, "ocr": 1.0, "agree": 1.0}
    assert cal.probability("amount", strong | {"fail": 1.0}) <= cal.probability("amount", strong)
    assert cal.confidence("amount", strong, {"subtotal_plus_tax_equals_total"}) <= cal.FAILED_CAP
    assert cal.confidence("amount", strong, {"total_not_zero"}) <= cal.IMPLAUSIBLE_CAP


def test_an_address_is_as_high_on_the_page_as_its_name():
    def top(kind: str, y: float) -> float:
        return cal.features({}, None, False, False, kind, "12 Harbour Road, Bristol BS1 4QA",
                            y)["top"]
    assert top("address", 0.05) > top("address", 0.3) and top("amount", 0.9) == 1.0


def test_a_name_under_another_name_like_row_is_less_sure():
    # a mall's or an owner's name printed above the one taken is a rival for the shop's name
    alone = [(50, 90, "Brightwater Analytics", 16), (50, 108, "12 Harbour Road, Bristol BS1 4QA"),
             (380, 338, "Total Due: 1,549.20 GBP")]
    under = [(50, 40, "Harbourside Shopping Centre", 16), (50, 62, "Unit 4 - 1234"), *alone]
    answer = Extraction(data={"vendor": "Brightwater Analytics",
                              "vendor_address": "12 Harbour Road, Bristol BS1 4QA"},
                        provider="groq", model="m")
    first, second = (
        assess(ground(answer, pages), pages, RECEIPT, today=TODAY, threshold=0.5)
        for pages in (docgen.pages_of(docgen.make_pdf(layout)) for layout in (alone, under)))
    assert first.evidence["vendor"]["first"] == 1.0
    assert second.evidence["vendor"]["first"] == 0.5  # a row with digits is no rival
    assert second.evidence["vendor_address"]["first"] == 0.5  # judged by its name's place
    assert cal.features({}, None, False, False, "amount", "9.99", 0.2, above=3)["first"] == 1.0
    x = first.evidence["vendor"]
    assert cal.probability("name", x | {"first": 0.5}) < cal.probability("name", x)


def test_shape_of_names_and_addresses():
    assert cal.shape("name", "Brightwater Analytics Ltd") == 1.0
    assert cal.shape("name", "Milk 1L") < cal.shape("name", "Lotus") < 1.0
    assert cal.shape("name", "TAX INVOICE") == 0.0
    assert cal.shape("address", "12 Harbour Road, Bristol BS1 4QA") == 1.0
    assert cal.shape("address", "12 Harbour Road, Tel: 03-8737 1234") < 0.5
    # an item row taken for an address has numbers but no street word and no postcode
    assert cal.shape("address", "1.2012-0043, CARD COVER(SJB-4013)") < cal.shape(
        "address", "Am Hafen 3, 20457 Hamburg") < 1.0
    assert cal.shape("amount", "-1.00") == 1.0


def test_gate_lists_low_confidence_and_failed_check_fields_but_not_nulls():
    data = {"total": "80.00", "tax": "12.27", "subtotal": "64.60", "vendor": "Acme",
            "date": None}
    conf = {"total": 0.95, "tax": 0.97, "subtotal": 0.97, "vendor": 0.6, "date": 0.0}
    failed = Check(rule="subtotal_plus_tax_equals_total", ok=False,
                   fields=["subtotal", "tax", "total"])
    review = gate(data, conf, [failed], INVOICE, 0.9)
    assert review.required and review.state == "pending" and review.threshold == 0.9
    assert review.fields == ["vendor", "subtotal", "tax", "total"]  # schema order, no date
    assert review.reasons == {"vendor": "low_confidence", "subtotal": "check_failed",
                              "tax": "check_failed", "total": "check_failed"}
    clean = gate(data, conf | {"vendor": 0.95}, [], INVOICE, 0.9)
    assert not clean.required and clean.state == "none" and clean.fields == []


def _extract(layout, schema=INVOICE, **kw) -> Extraction:
    pages = docgen.pages_of(docgen.make_pdf(layout))
    return assess(ground(extract_local(pages, schema), pages), pages, schema, today=TODAY, **kw)


def test_a_clean_generated_invoice_needs_no_review():
    out = _extract(docgen.invoice_en(), threshold=0.5)
    assert all(c.ok for c in out.checks) and len(out.checks) >= 6
    assert not out.review.required and out.review.state == "none"
    assert all(0 <= v <= 1 for v in out.confidence.values())


def test_printed_total_that_disagrees_with_subtotal_plus_tax_goes_to_review():
    layout = [item if item[2] != "£1,549.20" else (*item[:2], "£1,600.00")
              for item in docgen.invoice_en()]
    out = _extract(layout, threshold=0.5)
    assert out.data["total"] == "1600.00"
    failed = [c for c in out.checks if not c.ok]
    assert [c.rule for c in failed] == ["subtotal_plus_tax_equals_total"]
    assert {"subtotal", "tax", "total"} <= set(out.review.fields)
    assert out.review.required and out.review.state == "pending"
    assert out.confidence["total"] <= cal.FAILED_CAP


def test_implausible_values_are_never_auto_accepted():
    layout = [(50, 60, "Brightwater Analytics Ltd", 16), (380, 90, "Invoice Number: INV-7"),
              (380, 104, "Invoice Date: 05/03/2034"),  # eight years ahead
              (390, 310, "Subtotal"), (490, 310, "-100.00 EUR"),
              (390, 338, "Total Due"), (490, 338, "-100.00 EUR")]
    pages = docgen.pages_of(docgen.make_pdf(layout))
    answer = Extraction(data={"vendor": "Brightwater Analytics Ltd", "invoice_number": "INV-7",
                              "date": "2034-03-05", "subtotal": "-100.00", "total": "-100.00"},
                        provider="groq", model="m")  # read faithfully, by a model
    # even with a threshold that accepts nearly anything
    out = assess(ground(answer, pages), pages, INVOICE, today=TODAY, threshold=0.1)
    for name in ("date", "total"):
        assert name in out.review.fields and out.confidence[name] <= cal.IMPLAUSIBLE_CAP


def test_zero_total_goes_to_review():
    layout = [item if item[2] != "RM 22.70" else (*item[:2], "RM 0.00")
              for item in docgen.receipt() if item[1] < 280]  # no cash/change rows
    out = _extract(layout, schema=RECEIPT, threshold=0.1)
    assert out.data["total"] == "0.00"
    assert "total" in out.review.fields and out.confidence["total"] <= cal.IMPLAUSIBLE_CAP


def test_zero_total_on_a_paid_receipt_is_tendered_minus_change():
    layout = [item if item[2] != "RM 22.70" else (*item[:2], "RM 0.00")
              for item in docgen.receipt()]
    assert _extract(layout, schema=RECEIPT, threshold=0.1).data["total"] == "22.70"


def _scanned(layout) -> list:
    """The pages of `layout` as if OCR had read them (every word with a recognition score)."""
    pages = docgen.pages_of(docgen.make_pdf(layout))
    return [p.model_copy(update={"source": "image", "words": [
        w.model_copy(update={"score": 0.99}) for w in p.words]}) for p in pages]


def test_a_scanned_total_that_no_check_confirms_goes_to_review():
    # OCR misreads digits with high scores; only arithmetic can confirm a scanned amount
    bare = [item for item in docgen.receipt() if not 200 <= item[1] <= 254 and item[1] < 282]
    paid = [item for item in docgen.receipt() if not 200 <= item[1] <= 254]
    confidence = {}
    for name, pages in (("scan", _scanned(bare)), ("paid scan", _scanned(paid)),
                        ("text", docgen.pages_of(docgen.make_pdf(bare)))):
        out = assess(ground(extract_local(pages, RECEIPT), pages), pages, RECEIPT, today=TODAY,
                     threshold=0.9)
        assert out.data["total"] == "22.70", name
        confidence[name] = out.confidence["total"]
        assert ("total" in out.review.fields) == (name == "scan"), (name, confidence)
        assert out.review.reasons.get("total") == ("unconfirmed_scan" if name == "scan" else None)
    assert confidence["scan"] <= cal.UNCONFIRMED_SCAN_CAP < confidence["paid scan"]
    assert confidence["text"] > cal.UNCONFIRMED_SCAN_CAP


def test_the_unconfirmed_scan_cap_is_for_money_not_for_every_number():
    pages = _scanned([(50, 60, "Seats: 42", 11), (50, 80, "Fee: 42.00", 11)])
    fields = {"seats": FieldSpec(type="integer"), "fee": FieldSpec(type="amount")}
    schema = SchemaDef(name="booking", fields=fields)
    answer = Extraction(data={"seats": 42, "fee": "42.00"}, provider="groq", model="m")
    out = assess(ground(answer, pages), pages, schema, today=TODAY, threshold=0.1)
    assert out.confidence["fee"] <= cal.UNCONFIRMED_SCAN_CAP < out.confidence["seats"]


def test_schema_threshold_overrides_the_setting():
    strict = INVOICE.model_copy(update={"review_threshold": 1.0})
    out = _extract(docgen.invoice_en(), schema=strict, threshold=0.1)
    assert out.review.threshold == 1.0 and out.review.required


def test_same_value_compares_numbers_by_value_and_text_loosely():
    assert same_value("1549.20", "1549.2") and same_value("ACME GmbH", "Acme  GmbH")
    assert not same_value("1549.20", "1549.21") and not same_value(None, None)


async def test_llm_answer_that_breaks_the_arithmetic_is_flagged(fake, make_settings):  # noqa: F811
    pages = docgen.pages_of(docgen.make_pdf(LLM_INVOICE))
    chain = ProviderChain(make_settings(extraction_providers="groq"), Metrics())
    fake.script("arithmetic", api="groq")

    async def no_pdf():
        return None

    try:
        out = await extract_pages(pages, {}, INVOICE, chain, ocr=False,
                                  run_cpu=asyncio.to_thread, load_pdf=no_pdf)
    finally:
        await chain.aclose()
    assert out.provider == "groq" and out.data["total"] == "1559.20"  # 10.00 off the print
    failed = {c.rule for c in out.checks if not c.ok}
    assert "subtotal_plus_tax_equals_total" in failed
    assert {"subtotal", "tax", "total"} <= set(out.review.fields)
    assert out.review.required and out.review.state == "pending"
    assert out.confidence["total"] < out.confidence["invoice_number"]


async def test_a_faithful_llm_answer_agreeing_with_the_text_layer_scores_high(
        fake, make_settings):  # noqa: F811
    pages = docgen.pages_of(docgen.make_pdf(LLM_INVOICE))
    chain = ProviderChain(make_settings(extraction_providers="groq"), Metrics())

    async def no_pdf():
        return None

    try:
        out = await extract_pages(pages, {}, INVOICE, chain, ocr=False,
                                  run_cpu=asyncio.to_thread, load_pdf=no_pdf)
    finally:
        await chain.aclose()
    assert out.provider == "groq" and out.data["total"] == "1549.20"
    assert all(c.ok for c in out.checks if "total" in c.fields)
    assert "total" not in out.review.fields and out.confidence["total"] >= 0.9


def test_a_failed_result_needs_no_review():
    from config.errors import ExtractorError
    from topics.models import Result, Review, Status, failed_result

    pending = Review(required=True, state="pending", fields=["total"])
    template = Result(id="doc-1", schema="invoice", status=Status.extracting, review=pending,
                      checks=[Check(rule="total_not_zero", ok=False, fields=["total"])])
    failed = failed_result("doc-1", ExtractorError("boom"), template)
    assert failed.status == Status.failed and failed.checks == []
    assert failed.review.state == "none" and not failed.review.required


def test_a_model_answer_that_is_not_on_the_page_is_never_auto_accepted():
    pages = docgen.pages_of(docgen.make_pdf(LLM_INVOICE))
    answer = Extraction(data={"vendor": "Harbour Analytics Group",  # the page does not print it
                              "invoice_number": "INV-2024-0193"}, provider="groq", model="m")
    out = assess(ground(answer, pages), pages, INVOICE, today=TODAY, threshold=0.9)
    assert out.evidence["vendor"]["found"] == 0.0
    assert out.confidence["vendor"] <= cal.FAILED_CAP and "vendor" in out.review.fields
    assert out.confidence["invoice_number"] > cal.FAILED_CAP  # printed: not capped


def test_a_value_with_a_character_ocr_was_unsure_of_says_so_in_review():
    bare = [item for item in docgen.receipt() if not 200 <= item[1] <= 254 and item[1] < 282]
    pages = _scanned(bare)
    pages = [p.model_copy(update={"words": [
        w.model_copy(update={"score": 0.45}) if w.text == "22.70" else w for w in p.words]})
        for p in pages]
    out = assess(ground(extract_local(pages, RECEIPT), pages), pages, RECEIPT, today=TODAY,
                 threshold=0.9)
    assert out.data["total"] == "22.70" and out.evidence["total"]["ocr"] < cal.UNSURE_READ
    assert out.review.reasons["total"] == "unsure_reading"
    assert out.review.reasons.get("vendor") != "unsure_reading"  # read surely

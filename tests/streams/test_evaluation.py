"""The eval scorer, the report format, in-process extraction, and the scores on the samples."""

import json
import re
from pathlib import Path

import pymupdf
import pytest

from streams.document import Extraction
from streams.eval_scoring import score_field
from streams.evaluation import auroc, format_report, load_cases, run_eval
from streams.inprocess import extract_local
from tests.streams import docgen

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"


@pytest.mark.parametrize(("name", "predicted", "expected", "ok"), [
    ("date", "2024-03-12", "2024-03-12", True),
    ("date", "12/03/2024", "2024-03-12", True),
    ("date", "2024-12-03", "2024-03-12", False),
    ("total", "1234.5", "1234.50", True),
    ("total", "1.234,50", "1234.50", True),
    ("total", "1234.51", "1234.50", False),
    ("currency", "eur", "EUR", True),
    ("currency", "USD", "EUR", False),
    ("invoice_number", "# INV-0042", "INV0042", True),
    ("invoice_number", "INV0043", "INV0042", False),
    ("vendor_vat_id", "NL8590.12.345.B01", "NL859012345B01", True),
    ("vendor", "Groenveld", "Groenveld Techniek B.V.", True),
    ("vendor", "TK.E.F（M）SDNBHD", "TK. E.F. (M) SDN BHD", True),  # OCR dropped the spaces
    ("vendor", "KlMSENGHARDWARESDNBHD", "KIM SENG HARDWARE SDN BHD", True),
    ("vendor", "Brightwater Analytics, Inc.", "Brightwater Analytics", True),
    ("vendor", "Harbour Retail Pvt. Ltd.", "Shopfront", False),
    ("vendor", "GmbH", "Acme GmbH", False),
    ("vendor_address", "Kanaalweg 12, 3526 KL Utrecht, Nederland", "Kanaalweg 12, 3526 KL Utrecht",
     True),
    ("vendor_address", "Dorpsstraat 5, 1234 AB Ede", "Kanaalweg 12, 3526 KL Utrecht", False),
    ("total", None, "1.00", False),
])
def test_score_field(name, predicted, expected, ok):
    assert score_field(name, predicted, expected) is ok


def test_alternatives_and_line_items():
    assert score_field("date", "2017-04-12", "2017-12-04", ["2017-04-12"])
    expected = [{"description": "a", "unit_price": "1.00"}, {"description": "b", "amount": "2.00"}]
    assert score_field("line_items", [{"amount": "2.00"}, {"amount": "1.00"}], expected)
    assert not score_field("line_items", [{"amount": "2.00"}], expected)
    assert not score_field("line_items", [{"amount": "2.00"}, {"amount": "2.00"}], expected)


def _fake_extract(path: Path, schema: str) -> Extraction:
    if path.name == "broken.pdf":
        raise RuntimeError("boom")
    return Extraction(data={"total": "10.00", "vendor": "Acme", "date": "2024-01-02"})


def test_run_eval_and_report(tmp_path):
    for name, fields in {"a.pdf": {"total": "10.00", "vendor": "ACME GmbH"},
                         "b.png": {"total": "11.00", "date": "2024-01-02"},
                         "broken.pdf": {"total": "1.00"}}.items():
        (tmp_path / name).write_bytes(b"x")
        (tmp_path / f"{name}.gt.json").write_text(json.dumps({"fields": fields}))
    (tmp_path / "no_truth.pdf").write_bytes(b"x")
    assert [p.name for p, _ in load_cases(tmp_path)] == ["a.pdf", "b.png", "broken.pdf"]
    report = run_eval(tmp_path, _fake_extract, schema="invoice")
    assert (report["correct"], report["n"]) == (3, 5)
    assert report["per_field"]["total"] == [1, 3]
    text = format_report(report)
    assert text.splitlines()[-3] == "field accuracy: 0.600 (n=5)"
    assert re.search(r"^total\s+1\s+3\s+0\.333$", text, re.M)


def test_extract_local_reads_text_and_scanned_pdfs(tmp_path):
    pdf = docgen.make_pdf(docgen.invoice_nl())
    (tmp_path / "text.pdf").write_bytes(pdf)
    result = extract_local(tmp_path / "text.pdf", "invoice")
    assert result.data["total"] == "538.45" and result.confidence["total"] >= 0.6
    scan = pymupdf.open()
    page = scan.new_page(width=595, height=842)
    page.insert_image(page.rect, stream=docgen.render_jpeg(pdf))
    (tmp_path / "scan.pdf").write_bytes(scan.tobytes())
    scanned = extract_local(tmp_path / "scan.pdf", "invoice")  # no text layer: OCR
    assert scanned.data["total"] == "538.45"
    assert scanned.citations["total"][0].page == 1


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/samples is not here")
@pytest.mark.parametrize(("folder", "schema", "threshold"), [("invoices", "invoice", 0.80),
                                                              ("receipts", "receipt", 0.60)])
def test_sample_scores(folder, schema, threshold):
    report = run_eval(SAMPLES / folder, schema=schema, workers=2)
    assert report["n"] > 50
    assert report["accuracy"] >= threshold, format_report(report)


def _write_case(folder: Path, name: str, fields: dict, **extra) -> None:
    (folder / name).write_bytes(b"x")
    (folder / f"{name}.gt.json").write_text(json.dumps({"fields": fields, **extra}))


def _confident_extract(path: Path, schema: str) -> Extraction:
    """Right totals with high confidence, a wrong vendor with low, a wrong date with high."""
    return Extraction(data={"total": "10.00", "vendor": "Wrong Name", "date": "2024-01-03",
                            "currency": "EUR"},
                      confidence={"total": 0.97, "vendor": 0.4, "date": 0.95, "currency": 0.6})


def test_report_ends_with_accuracy_calibration_and_auto_accept(tmp_path):
    _write_case(tmp_path, "a.jpg", {"total": "10.00", "vendor": "Acme", "date": "2024-01-02",
                                    "currency": "EUR", "po_number": "PO-1"}, schema="receipt")
    _write_case(tmp_path, "b.pdf", {"total": "10.00"}, schema="invoice")
    report = run_eval(tmp_path, _confident_extract, schema="receipt")
    assert report["unsupported"] == ["po_number"] and report["skipped"] == 1
    lines = format_report(report).splitlines()
    assert "unsupported (not in the schema, not scored): po_number" in lines
    assert not any(line.startswith("po_number") for line in lines)  # not in the table
    # scored: total right 0.97, currency right 0.6, vendor wrong 0.4, date wrong 0.95
    assert lines[-3] == "field accuracy: 0.500 (n=4)"
    assert lines[-2] == "calibration: auroc=0.750 (n=4)"  # 3 of 4 right/wrong pairs ordered
    assert lines[-1] == "auto-accept: threshold=0.90 precision=0.500 coverage=0.500"
    assert re.fullmatch(r"calibration: auroc=\d\.\d{3} \(n=\d+\)", lines[-2])
    assert re.fullmatch(r"auto-accept: threshold=\d\.\d{2} precision=\d\.\d{3} "
                        r"coverage=\d\.\d{3}", lines[-1])


def test_schema_is_explicit_or_named_by_the_ground_truth(tmp_path):
    _write_case(tmp_path, "a.jpg", {"total": "10.00"})
    with pytest.raises(ValueError, match="--schema"):
        run_eval(tmp_path, _confident_extract)
    assert run_eval(tmp_path, _confident_extract, schema="receipt")["n"] == 1


def test_auroc():
    assert auroc([0.9, 0.8, 0.3], [True, True, False]) == 1.0
    assert auroc([0.3, 0.8, 0.9], [True, True, False]) == 0.0
    assert auroc([0.5, 0.5], [True, False]) == 0.5
    assert auroc([0.1, 0.2], [True, True]) == 0.5  # undefined: one class only


def test_short_vendor_substrings_do_not_count():
    assert not score_field("vendor", "Silver", "Silver Oak Hardware")
    assert not score_field("vendor", "Cafe", "Lotus Cafe")
    assert score_field("vendor", "Groenveld Techniek", "Groenveld Techniek B.V.")
    assert score_field("vendor", "AEON C0.(M) BHD.", "AEON CO. (M) BHD.")  # OCR read 0 for O


def test_alternatives_count_for_every_field():
    assert score_field("total", "10.50", "10.00", ["10.50"])
    assert score_field("vendor", "Shopfront", "Harbour Retail", ["Shopfront Ltd"])
    items = [{"amount": "1.00"}]
    assert score_field("line_items", items, [{"amount": "2.00"}], [items])
    assert not score_field("line_items", items, [{"amount": "2.00"}], [[{"amount": "3.00"}]])

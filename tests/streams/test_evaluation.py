"""The eval scorer, the report format, in-process extraction, and the scores on the samples."""

import json
import re
from pathlib import Path

import pymupdf
import pytest

from streams.document import Extraction
from streams.evaluation import (
    extract_file,
    format_report,
    load_cases,
    run_eval,
    score_field,
)
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
    report = run_eval(tmp_path, _fake_extract)
    assert (report["correct"], report["n"]) == (3, 5)
    assert report["per_field"]["total"] == [1, 3]
    text = format_report(report)
    assert text.splitlines()[-1] == "field accuracy: 0.600 (n=5)"
    assert re.search(r"^total\s+1\s+3\s+0\.333$", text, re.M)


def test_extract_file_reads_text_and_scanned_pdfs(tmp_path):
    pdf = docgen.make_pdf(docgen.invoice_nl())
    (tmp_path / "text.pdf").write_bytes(pdf)
    result = extract_file(tmp_path / "text.pdf", "invoice")
    assert result.data["total"] == "538.45" and result.confidence["total"] >= 0.6
    scan = pymupdf.open()
    page = scan.new_page(width=595, height=842)
    page.insert_image(page.rect, stream=docgen.render_jpeg(pdf))
    (tmp_path / "scan.pdf").write_bytes(scan.tobytes())
    scanned = extract_file(tmp_path / "scan.pdf", "invoice")  # no text layer: OCR
    assert scanned.data["total"] == "538.45"
    assert scanned.citations["total"][0].page == 1


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/samples is not here")
@pytest.mark.parametrize(("folder", "threshold"), [("invoices", 0.80), ("receipts", 0.60)])
def test_sample_scores(folder, threshold):
    report = run_eval(SAMPLES / folder, workers=2)
    assert report["n"] > 50
    assert report["accuracy"] >= threshold, format_report(report)

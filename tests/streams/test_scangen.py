"""The scan generator: reproducible documents, disjoint splits, and one OCR round trip."""

import json
import random

from PIL import Image

from config.schemas import BUILTIN
from streams.document import Page
from streams.eval_scoring import score_field
from streams.extraction.local import extract_local
from streams.ocr import ocr_image
from tests.streams import docvocab
from tests.streams.scangen import degrade, draw_pdf, make_doc, write_set


def test_same_seed_same_documents_and_splits_share_no_names():
    assert make_doc(7, 3, "tune") == make_doc(7, 3, "tune")
    assert make_doc(7, 3, "tune") != make_doc(8, 3, "tune")
    tune = {w for names in docvocab.NAMES["tune"] for n in names for w in n.split()}
    holdout = {w for names in docvocab.NAMES["holdout"] for n in names for w in n.split()}
    assert tune and holdout and not tune & holdout
    assert not set(docvocab.PEOPLE["tune"]) & set(docvocab.PEOPLE["holdout"])


def test_written_set_has_ground_truth_for_every_scan(tmp_path):
    paths = write_set(tmp_path, seed=3, n=4, split="holdout")
    assert len(paths) == 4
    for path in paths:
        gt = json.loads(path.with_name(path.name + ".gt.json").read_text())
        assert gt["schema"] in ("invoice", "receipt") and gt["file"] == path.name
        assert {"vendor", "date", "total"} <= set(gt["fields"])
        assert set(gt["fields"]) <= set(BUILTIN[gt["schema"]].fields)
        dpi = json.loads(gt["notes"][2].removeprefix("noise: "))["dpi"]
        assert 150 <= dpi <= 300 and Image.open(path).format == "JPEG"


def _receipt_with(feature: str, split: str = "tune") -> tuple[int, object]:
    for index in range(200):
        doc = make_doc(101, index, split)
        if doc.schema == "receipt" and feature in doc.features:
            return index, doc
    raise AssertionError(f"no receipt with {feature}")


def test_a_noisy_scan_with_rounding_reads_back_through_ocr():
    index, doc = _receipt_with("total_rounding")
    image, _ = degrade(draw_pdf(doc), random.Random(f"noise-101-{index}"))
    words, width, height = ocr_image(image)
    page = Page(number=1, width=width, height=height, source="image", words=words)
    data = extract_local([page], BUILTIN["receipt"]).data
    for name in ("total", "date", "vendor"):
        assert score_field(name, data[name], doc.fields[name]), (name, data[name])

"""How the OCR models are driven: OpenVINO, the detector sized to the print, the classifier on
demand."""

import io
import random
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from PIL import Image, ImageDraw

from config.schemas import BUILTIN
from streams.document import Page
from streams.eval_scoring import score_field
from streams.extraction.local import extract_local
from streams.ocr import ocr_image
from streams.ocr_engine import (
    DEFAULT,
    FAST,
    LEGACY,
    Tuning,
    char_height,
    detector_scale,
    get_engine,
    read_lines,
)
from tests.streams.docgen import invoice_en, make_pdf, render_jpeg
from tests.streams.docvariants import Doc
from tests.streams.scangen import degrade, draw_pdf, make_doc


def _printed(font_size: int, size=(1200, 900)) -> np.ndarray:
    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    for row in range(6):
        draw.text((40, 40 + row * font_size * 2), "Subtotal 12.50 VAT 2.38 Total 14.88",
                  fill="black", font_size=font_size)
    return np.array(img)[:, :, ::-1].copy()  # BGR, as the engine holds it


def test_print_height_is_measured_from_the_ink():
    small, large = char_height(_printed(16)), char_height(_printed(48))
    assert small is not None and large is not None
    assert 8 <= small <= 16 and 25 <= large <= 48
    assert char_height(np.full((400, 400, 3), 255, np.uint8)) is None  # a blank page


def test_detector_scale_follows_the_print_within_bounds():
    assert detector_scale(_printed(48), FAST) < detector_scale(_printed(16), FAST)
    assert detector_scale(_printed(48), FAST) == pytest.approx(
        FAST.text_px / char_height(_printed(48)))
    blank = np.full((400, 400, 3), 255, np.uint8)
    assert detector_scale(blank, FAST) == 1.0  # nothing to measure: the page as it is
    huge = np.full((9000, 300, 3), 255, np.uint8)
    huge[100:108, 20:200] = 0
    assert max(huge.shape) * detector_scale(huge, FAST) <= FAST.max_side


def test_an_a4_scan_is_detected_at_a_fraction_of_its_size():
    jpeg = render_jpeg(make_pdf(invoice_en()), dpi=200)
    bgr = np.array(Image.open(io.BytesIO(jpeg)).convert("RGB"))[:, :, ::-1]
    assert detector_scale(bgr, FAST) < 0.7  # 10-point print at 200 dpi is larger than needed


def _generated_invoice_scan(seed: int) -> tuple[Doc, bytes]:
    """The first generated invoice of a tuning seed, and its noisy scan (JPEG)."""
    for index in range(50):
        doc = make_doc(seed, index, "tune")
        if doc.schema == "invoice":
            break
    image, _ = degrade(draw_pdf(doc), random.Random(f"noise-{seed}-{index}"))
    return doc, image


def _scan_of_a_generated_invoice(seed: int) -> Image.Image:
    return Image.open(io.BytesIO(_generated_invoice_scan(seed)[1])).convert("RGB")


def test_fast_and_legacy_read_the_same_generated_invoice():
    doc, image = _generated_invoice_scan(303)
    for tuning in (FAST, LEGACY):
        words, width, height = ocr_image(image, tuning)
        page = Page(number=1, width=width, height=height, source="image", words=words)
        data = extract_local([page], BUILTIN["invoice"]).data
        for name in ("total", "invoice_number", "date"):
            assert score_field(name, data[name], doc.fields[name]), (tuning, name, data[name])


def test_a_page_scanned_upside_down_is_turned_and_read():
    jpeg = render_jpeg(make_pdf(invoice_en()), dpi=200)
    flipped = io.BytesIO()
    Image.open(io.BytesIO(jpeg)).rotate(180).save(flipped, format="JPEG", quality=90)
    texts = [w.text for w in ocr_image(flipped.getvalue())[0]]
    assert "INVOICE" in texts and any("INV-2024-0193" in t for t in texts)


def test_openvino_reads_every_line_as_onnx_runtime_does():
    page = _scan_of_a_generated_invoice(304)
    onnx = Tuning(text_px=None, runtime="onnxruntime")
    assert DEFAULT.runtime == "openvino"
    ours, theirs = read_lines(page), read_lines(page, onnx)
    assert len(ours) > 20
    assert [line[1] for line in ours] == [line[1] for line in theirs]
    for (box, _, score, chars), (box2, _, score2, chars2) in zip(ours, theirs, strict=True):
        assert np.allclose(box, box2, atol=1) and abs(score - score2) < 1e-2
        assert np.allclose(chars, chars2, atol=1e-2)


def test_openvino_engine_reads_pages_from_several_threads_at_once():
    pages = [_scan_of_a_generated_invoice(seed) for seed in (305, 306)]
    alone = [[line[1] for line in read_lines(page)] for page in pages]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda page: [line[1] for line in read_lines(page)], pages * 2))
    assert together == alone * 2


def test_an_unknown_ocr_runtime_is_refused():
    with pytest.raises(ValueError, match="unknown OCR runtime"):
        get_engine("tesseract")


def test_the_detector_input_is_exactly_rapidocrs_own():
    engine = get_engine()
    page = np.random.default_rng(7).integers(0, 256, (1100, 850, 3), dtype=np.uint8)
    ours = engine.text_det.get_preprocess(1100)(page)
    theirs = get_engine("onnxruntime").text_det.get_preprocess(1100)(page)
    assert ours.dtype == theirs.dtype == np.float32 and ours.shape == theirs.shape
    assert np.array_equal(ours, theirs)

"""Offline OCR of a scanned page: words, their boxes, one engine with one thread."""

import openvino
import pytest

from streams.ocr import _line_words, ascii_forms, get_engine, ocr_image, words_text
from tests.streams.docgen import invoice_en, make_pdf, render_jpeg, text_rect


@pytest.fixture(scope="module")
def scan():
    pdf = make_pdf(invoice_en())
    return pdf, render_jpeg(pdf, dpi=200)


def test_reads_a_scanned_invoice(scan):
    pdf, jpeg = scan
    words, width, height = ocr_image(jpeg)
    assert abs(width - 1654) <= 1 and abs(height - 2339) <= 1  # A4 at 200 DPI
    texts = [w.text for w in words]
    assert "INVOICE" in texts
    assert any("INV-2024-0193" in t for t in texts)
    total = next(w for w in words if "1,549.20" in w.text)
    expected = text_rect(pdf, "£1,549.20")
    assert abs(total.bbox[1] - expected[1]) < 0.01 and abs(total.bbox[0] - expected[0]) < 0.03
    assert all(0 <= v <= 1 for w in words for v in w.bbox)


def test_line_is_split_into_words_by_character_share():
    box = [[100, 10], [300, 10], [300, 30], [100, 30]]
    words = _line_words("ab cdefg", box, width=400, height=100)
    assert [w.text for w in words] == ["ab", "cdefg"]
    assert words[0].bbox == pytest.approx((0.25, 0.1, 0.375, 0.3))  # 2 of 8 characters
    assert words[1].bbox == pytest.approx((0.4375, 0.1, 0.75, 0.3))


def test_words_text_keeps_rows():
    box = [[0, 0], [50, 0], [50, 10], [0, 10]]
    low = [[0, 50], [50, 50], [50, 60], [0, 60]]
    words = _line_words("top line", box, 100, 100) + _line_words("next", low, 100, 100)
    assert words_text(words) == "top line\nnext"


def test_one_engine_per_process_with_one_thread():
    engine = get_engine()
    assert engine is get_engine()
    for model in (engine.text_det.infer, engine.text_rec.session, engine.text_cls.infer):
        assert model.model.get_property("INFERENCE_NUM_THREADS") == 1
        assert model.model.get_property("INFERENCE_PRECISION_HINT") == openvino.Type.f32  # not bf16
    options = get_engine("onnxruntime").text_det.infer.session.get_session_options()
    assert options.intra_op_num_threads == 1


def test_transparent_png_is_read_on_white():
    import io

    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (600, 200), (0, 0, 0, 0))  # transparent black: black if flattened
    ImageDraw.Draw(img).text((20, 80), "TOTAL 12.50", fill=(0, 0, 0, 255), font_size=40)
    out = io.BytesIO()
    img.save(out, format="PNG")
    assert [w.text for w in ocr_image(out.getvalue())[0]] == ["TOTAL", "12.50"]


def test_text_inside_embedded_images_is_added():
    import io

    import pymupdf
    from PIL import Image, ImageDraw

    from streams.ocr import ocr_pdf_images
    from tests.streams.docgen import pages_of

    img = Image.new("RGB", (800, 120), "white")
    ImageDraw.Draw(img).text((20, 30), "Zephyr Tools B.V.", fill="black", font_size=48)
    png = io.BytesIO()
    img.save(png, format="PNG")
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((50, 400), "Factuurnummer: 2024-0457 Totaal 12,00", fontsize=10)
    page.insert_image(pymupdf.Rect(50, 700, 450, 760), stream=png.getvalue())
    pdf = doc.tobytes()
    pages = ocr_pdf_images(pdf, pages_of(pdf))
    added = [w for w in pages[0].words if w.bbox[1] > 0.8]
    assert "Zephyr" in [w.text for w in added]
    left, right = 50 / 595 - 0.01, 450 / 595 + 0.01  # the image's place on the page
    assert all(w.bbox[0] >= left and w.bbox[2] <= right for w in added)
    assert len(pages[0].words) == len(pages_of(pdf)[0].words) + len(added)


def test_a_word_scores_its_least_sure_letter_or_digit():
    box = [[0, 0], [90, 0], [90, 10], [0, 10]]
    chars = [0.99, 0.98, 0.6, 0.99, 0.97, 0.5, 0.99, 0.4, 0.95]  # "Total 1:5"
    words = _line_words("Total 1:5", box, 100, 100, score=0.9, chars=chars)
    assert [w.score for w in words] == [0.6, 0.95]  # the unsure 't'; '1' and '5', not ":"
    assert [w.score for w in _line_words("Total 1:5", box, 100, 100, score=0.9)] == [0.9, 0.9]


def test_full_width_punctuation_is_read_as_ascii(monkeypatch, scan):
    line = "AEON CO.（M）BHD　Tel：07-3551223，"
    box = [[0, 0], [300, 0], [300, 20], [0, 20]]
    monkeypatch.setattr("streams.ocr.read_lines",
                        lambda _img, _tuning: [(box, line, 0.9, [0.9] * len(line))])
    words, _, _ = ocr_image(scan[1])
    assert [w.text for w in words] == ["AEON", "CO.(M)BHD", "Tel:07-3551223,"]
    assert ascii_forms("（１２．５０）。") == "(12.50)."


def test_each_recognised_line_carries_its_characters_scores(scan):
    import io

    from PIL import Image

    from streams.ocr_engine import read_lines

    lines = read_lines(Image.open(io.BytesIO(scan[1])).convert("RGB"))
    assert lines and all(len(chars) == len(text) for _, text, _, chars in lines)
    assert all(min(chars) <= score <= max(chars) for _, _, score, chars in lines)
    words = ocr_image(scan[1])[0]
    assert any(w.score is not None and w.score < 0.999 for w in words)

"""Page previews for the review studio come out of the same pass that prepares the pages."""

from __future__ import annotations

import io

import pymupdf
import pytest
from PIL import Image

from streams.preprocess import PreviewOptions, RenderOptions, prepare
from tests.helpers import invoice_pdf

PREVIEW = PreviewOptions()


def _size(jpeg: bytes) -> tuple[int, int]:
    img = Image.open(io.BytesIO(jpeg))
    assert img.format == "JPEG"
    return img.size


def _scanned_pdf(pages: int) -> bytes:
    """Image-only pages: a rendered invoice pasted back as a picture."""
    with pymupdf.open(stream=invoice_pdf(), filetype="pdf") as text:
        picture = text[0].get_pixmap(dpi=200).tobytes("png")
    doc = pymupdf.open()
    for _ in range(pages):
        page = doc.new_page()
        page.insert_image(page.rect, stream=picture)
    return doc.tobytes()


def test_no_previews_unless_asked():
    assert prepare(invoice_pdf(), "application/pdf", RenderOptions()).previews == {}


def test_a_text_page_gets_a_preview_at_the_preview_dpi_and_no_render_for_vision():
    pages, images, previews = prepare(invoice_pdf(pages=2), "application/pdf", RenderOptions(),
                                      PREVIEW)
    assert images == {} and [p.source for p in pages] == ["text", "text"]
    assert sorted(previews) == [1, 2]
    width, height = _size(previews[1])
    assert abs(width - 8.27 * PREVIEW.dpi) < 3 and abs(height - 11.69 * PREVIEW.dpi) < 3


def test_a_scanned_page_preview_is_its_render_shrunk_not_rendered_again(monkeypatch):
    scanned = _scanned_pdf(3)
    renders: list[int] = []
    real = pymupdf.Page.get_pixmap
    monkeypatch.setattr(pymupdf.Page, "get_pixmap",
                        lambda page, *a, **k: renders.append(1) or real(page, *a, **k))
    pages, images, previews = prepare(scanned, "application/pdf", RenderOptions(), PREVIEW)
    assert len(renders) == 3  # one render a page, shared by OCR and preview
    assert sorted(images) == sorted(previews) == [1, 2, 3]
    big, small = _size(images[2]), _size(previews[2])
    assert small == ((big[0] + 1) // 2, (big[1] + 1) // 2)  # a box reduction rounds up


@pytest.mark.parametrize("size", [(640, 480), (4032, 3024), (1000, 5000)])
def test_an_uploaded_image_preview_fits_the_preview_size(size):
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, "PNG")
    _, images, previews = prepare(buffer.getvalue(), "image/png", RenderOptions(), PREVIEW)
    width, height = _size(previews[1])
    assert max(width, height) <= PREVIEW.max_dim
    assert width / height == pytest.approx(size[0] / size[1], rel=0.02)
    if max(size) <= PREVIEW.max_dim:  # small enough already: kept at its size
        assert (width, height) == size


def test_a_palette_png_with_transparency_previews_on_white():
    img = Image.new("P", (300, 200), 0)
    img.putpalette([0, 0, 0] * 256)
    buffer = io.BytesIO()
    img.save(buffer, "PNG", transparency=0)
    _, _, previews = prepare(buffer.getvalue(), "image/png", RenderOptions(), PREVIEW)
    assert Image.open(io.BytesIO(previews[1])).convert("L").getpixel((150, 100)) > 240

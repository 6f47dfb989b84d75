"""Issue 19: preprocess bounds what it renders and refuses images whose data cannot fill them."""

from __future__ import annotations

import io

import pymupdf
import pytest
from PIL import Image

from config.errors import InvalidDocument
from streams.preprocess import RenderOptions, prepare
from tests.ingest_api.hostile_requests import PIPELINE_CASES, huge_page_pdf, jpeg_claiming


@pytest.fixture
def pixmap_sizes(monkeypatch) -> list[tuple[int, int]]:
    """Every pixmap MuPDF renders, as (width, height)."""
    sizes: list[tuple[int, int]] = []
    real = pymupdf.Page.get_pixmap

    def spy(page, *args, **kwargs):
        pix = real(page, *args, **kwargs)
        sizes.append((pix.width, pix.height))
        return pix

    monkeypatch.setattr(pymupdf.Page, "get_pixmap", spy)
    return sizes


def test_a_huge_page_is_rendered_within_max_image_dim(pixmap_sizes):
    # 14,400 pt at 20 DPI would be 4,000 px a side (1.6 GB at 200 DPI): the render itself is cut.
    opts = RenderOptions(dpi=20, max_dim=512, quality=80)
    pages, images, _ = prepare(huge_page_pdf(), "application/pdf", opts)
    assert pixmap_sizes and max(max(s) for s in pixmap_sizes) <= opts.max_dim + 1, pixmap_sizes
    assert max(Image.open(io.BytesIO(images[1])).size) <= opts.max_dim
    assert pages[0].width == 14_400


def test_an_ordinary_page_keeps_its_dpi(pixmap_sizes):
    prepare(huge_page_pdf(side=144), "application/pdf", RenderOptions(dpi=200))
    assert pixmap_sizes == [(400, 400)]


def test_a_jpeg_whose_header_claims_more_than_its_data_is_invalid():
    with pytest.raises(InvalidDocument, match="data"):
        prepare(jpeg_claiming(7000, 7000), "image/jpeg", RenderOptions())


@pytest.mark.parametrize("size", [(64, 64), (2480, 3508)])
def test_genuine_jpegs_even_blank_ones_still_decode(size):
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, "JPEG", quality=95)
    pages, images, _ = prepare(buffer.getvalue(), "image/jpeg", RenderOptions())
    assert pages[0].width == size[0] and 1 in images


@pytest.mark.parametrize("case", PIPELINE_CASES, ids=[c.label for c in PIPELINE_CASES])
def test_pipeline_corpus(case):
    opts = RenderOptions(dpi=50, max_dim=512)
    if case.final_status == "failed":
        with pytest.raises(InvalidDocument) as err:
            prepare(case.bytes_factory(), case.content_type, opts)
        assert err.value.code == case.final_code
    else:
        pages, _, _ = prepare(case.bytes_factory(), case.content_type, opts)
        assert pages

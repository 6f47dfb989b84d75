"""Preprocess stage logic: bytes in, pages (text, words, JPEG renders) out. No Kafka here.

Runs in a worker process of the pool, so everything it takes and returns is picklable.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import NamedTuple

import pymupdf
from PIL import Image, ImageOps

from config.errors import InvalidDocument
from streams.document import Page, Word

MIN_TEXT_CHARS = 20  # fewer alphanumerics than this: treat the page as a scan
MIN_CLEAN_RATIO = 0.6  # share of printable, non-replacement characters a text layer must have


@dataclass(frozen=True)
class RenderOptions:
    dpi: int = 200
    max_dim: int = 4096
    quality: int = 95


@dataclass(frozen=True)
class PreviewOptions:
    """Page images for people (the review studio), not for OCR: small and cheap."""

    dpi: int = 100
    max_dim: int = 1400
    quality: int = 70

    @property
    def jpeg(self) -> RenderOptions:
        return RenderOptions(self.dpi, self.max_dim, self.quality)


class Rendered(NamedTuple):
    pages: list[Page]
    images: dict[int, bytes]  # page number -> JPEG, for the pages that need vision or OCR
    previews: dict[int, bytes]  # page number -> small JPEG of every page; empty unless asked


def prepare(data: bytes, content_type: str, opts: RenderOptions,
            previews: PreviewOptions | None = None) -> Rendered:
    """The pages of a document, with renders of the pages that need vision/OCR and, when
    `previews` is given, a small image of every page. Previews come from the same open document
    and the same renders (a scanned page is shrunk, never rendered twice)."""
    if content_type == "application/pdf":
        return _prepare_pdf(data, opts, previews)
    return _prepare_image(data, opts, previews)


def usable_text(text: str) -> bool:
    """A text layer is usable when it has enough real characters (not a scan or garble)."""
    stripped = "".join(text.split())
    if sum(ch.isalnum() for ch in stripped) < MIN_TEXT_CHARS:
        return False
    clean = sum(ch.isprintable() and ch != "\ufffd" for ch in stripped)
    return clean / len(stripped) >= MIN_CLEAN_RATIO


def _prepare_pdf(data: bytes, opts: RenderOptions, previews: PreviewOptions | None) -> Rendered:
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except Exception as exc:
        raise InvalidDocument(f"PDF does not open: {exc}") from None
    pages: list[Page] = []
    images: dict[int, bytes] = {}
    small: dict[int, bytes] = {}
    with doc:
        for index in range(doc.page_count):
            pdf_page = doc[index]
            number = index + 1
            width, height = pdf_page.rect.width, pdf_page.rect.height
            text = pdf_page.get_text()
            if usable_text(text):
                words = [
                    Word(text=w[4], bbox=_norm(w[:4], width, height))
                    for w in pdf_page.get_text("words", sort=True)
                ]
                pages.append(Page(number=number, width=width, height=height, text=text,
                                  words=words))
                if previews:
                    small[number] = encode_jpeg(_render(pdf_page, previews.dpi, previews.max_dim),
                                                previews.jpeg)
                continue
            img = _render(pdf_page, opts.dpi, opts.max_dim)
            images[number] = encode_jpeg(img, opts)
            pages.append(Page(number=number, width=width, height=height, source="image"))
            if previews:
                small[number] = _shrink(img, previews, max(1, opts.dpi // previews.dpi))
    return Rendered(pages, images, small)


def _prepare_image(data: bytes, opts: RenderOptions,
                   previews: PreviewOptions | None) -> Rendered:
    try:
        opened = Image.open(io.BytesIO(data))
        if opened.format == "JPEG":
            _check_jpeg_data(data, *opened.size)
        img = ImageOps.exif_transpose(opened)  # phone photos carry their rotation in EXIF
        img.load()
    except InvalidDocument:
        raise
    except Exception as exc:
        raise InvalidDocument(f"image does not decode: {exc}") from None
    jpeg = encode_jpeg(img, opts)
    page = Page(number=1, width=float(img.width), height=float(img.height), source="image")
    return Rendered([page], {1: jpeg}, {1: _shrink(img, previews, 1)} if previews else {})


def _render(page: pymupdf.Page, dpi: int, max_dim: int) -> Image.Image:
    pix = page.get_pixmap(matrix=_zoom(page, dpi, max_dim))
    return Image.frombytes("RGB", (pix.width, pix.height), pix.samples)


def _shrink(img: Image.Image, previews: PreviewOptions, factor: int) -> bytes:
    """A preview from an image already in memory: a whole-number box reduction (cheap),
    by `factor` or more, until it fits `previews.max_dim`."""
    factor = max(factor, math.ceil(max(img.size) / previews.max_dim))
    img = to_rgb(img)
    return encode_jpeg(img.reduce(factor) if factor > 1 else img, previews.jpeg)


def to_rgb(img: Image.Image) -> Image.Image:
    """RGB; transparent pixels (often black underneath) flattened onto white, as paper is."""
    if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
        rgba = img.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return img if img.mode == "RGB" else img.convert("RGB")


def encode_jpeg(img: Image.Image, opts: RenderOptions) -> bytes:
    """RGB, fit inside `max_dim`, JPEG at `quality`."""
    img = to_rgb(img)
    if max(img.size) > opts.max_dim:
        img = img.copy()
        img.thumbnail((opts.max_dim, opts.max_dim), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=opts.quality, optimize=False)
    return out.getvalue()


def _zoom(page: pymupdf.Page, dpi: int, max_dim: int) -> pymupdf.Matrix:
    """`dpi`, lowered so the render's longest side is at most `max_dim` pixels: a 14,400 pt page
    at 200 DPI would take 4.8 GB before the resize to `max_dim` ever ran."""
    longest = max(page.rect.width, page.rect.height, 1.0)
    zoom = min(dpi / 72, max_dim / longest)
    return pymupdf.Matrix(zoom, zoom)


# Arithmetic-coded frames (SOF9-11, 13-15) may spend less than a bit on a block.
_ARITHMETIC_SOF = {0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _check_jpeg_data(data: bytes, width: int, height: int) -> None:
    """Refuse a JPEG too short to hold the pixels its header claims.

    Huffman coding spends at least one bit on every 8x8 block; when the data ends early,
    libjpeg fills the rest with grey and Pillow reports nothing (LOAD_TRUNCATED_IMAGES or not).
    """
    if _frame_marker(data) in _ARITHMETIC_SOF:
        return
    blocks = math.ceil(width / 8) * math.ceil(height / 8)
    if len(data) * 8 < blocks:
        raise InvalidDocument(f"JPEG data ends before its {width}x{height} pixels (truncated)")


def _frame_marker(data: bytes) -> int | None:
    """The JPEG's start-of-frame marker (0xC0..0xCF but DHT, JPG, DAC), from the segment walk."""
    i = 2
    while i + 4 <= len(data) and data[i] == 0xFF:
        marker = data[i + 1]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return marker
        if marker == 0xDA:  # start of scan: no frame header before it
            return None
        i += 2 + int.from_bytes(data[i + 2:i + 4], "big")
    return None


def _norm(box, width: float, height: float) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = box
    clamp = lambda v: min(max(v, 0.0), 1.0)  # noqa: E731
    return (clamp(x0 / width), clamp(y0 / height), clamp(x1 / width), clamp(y1 / height))

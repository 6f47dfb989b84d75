"""The benchmark's document mix, generated in code: every document is unique (no dedup hits).

Kinds: a 1-page text PDF, a 5-page text PDF, and a scanned page (a JPEG of a rendered page,
as a phone or a flatbed scanner would send it). `scan_pdf` holds image-only pages for the
preprocess comparison, where every page has to be rendered.
"""

from __future__ import annotations

import io
import struct
import uuid
from dataclasses import dataclass
from functools import lru_cache

import pymupdf
from PIL import Image

KINDS = ("pdf1", "pdf5", "scan")
SCAN_DPI = 200  # what a flatbed scanner at its usual setting produces for A4
SCAN_QUALITY = 85
RUN = uuid.uuid4().hex[:8]  # in every document: no upload matches one of an earlier run


@dataclass(frozen=True)
class Doc:
    kind: str
    filename: str
    content_type: str
    data: bytes


def invoice_lines(n: int) -> list[str]:
    return [
        "ACME Widgets GmbH", "Hauptstrasse 1, 10115 Berlin", "",
        f"Invoice Number: INV-{n:06d}", f"Reference: {RUN}-{n}",
        "Invoice Date: 14/03/2026", "Due Date: 13.04.2026",
        "Bill to: Example Customer Ltd", "",
        "Widget A 2 10.00 20.00", "Widget B 1 1017.39 1017.39", "",
        "Subtotal: 1,037.39 EUR", "VAT 19%: 197.11 EUR", "Total: 1,234.50 EUR",
    ]


def text_pdf(n: int, pages: int) -> bytes:
    doc = pymupdf.open()
    for number in range(pages):
        page = doc.new_page()  # A4 portrait
        y = 72
        for line in invoice_lines(n) + [f"Page {number + 1} of {pages}"]:
            page.insert_text((72, y), line, fontsize=11)
            y += 18
    return doc.tobytes()


@lru_cache(maxsize=1)
def _scan_template() -> bytes:
    """One rendered invoice page as a JPEG; copies differ only in a comment segment."""
    doc = pymupdf.open(stream=text_pdf(0, 1), filetype="pdf")
    pix = doc[0].get_pixmap(dpi=SCAN_DPI)
    img = Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=SCAN_QUALITY)
    return out.getvalue()


def scan_jpeg(n: int) -> bytes:
    """The template with a unique JPEG COM segment right after SOI (bytes differ, pixels not)."""
    template = _scan_template()
    comment = "\n".join(invoice_lines(n)).encode()
    segment = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
    return template[:2] + segment + template[2:]


def scan_pdf(n: int, pages: int) -> bytes:
    """Image-only pages (no text layer): the preprocess stage renders every one."""
    doc = pymupdf.open()
    image = scan_jpeg(n)
    for _ in range(pages):
        page = doc.new_page()
        page.insert_image(page.rect, stream=image)
    return doc.tobytes()


def make(kind: str, n: int) -> Doc:
    if kind == "pdf1":
        return Doc(kind, f"invoice-{n}.pdf", "application/pdf", text_pdf(n, 1))
    if kind == "pdf5":
        return Doc(kind, f"invoice-{n}-5p.pdf", "application/pdf", text_pdf(n, 5))
    if kind == "scan":
        return Doc(kind, f"scan-{n}.jpg", "image/jpeg", scan_jpeg(n))
    raise ValueError(f"unknown document kind {kind!r}")


def mix(count: int, start: int = 0) -> list[Doc]:
    """`count` unique documents cycling through the kinds (one third each)."""
    return [make(KINDS[i % len(KINDS)], start + i) for i in range(count)]

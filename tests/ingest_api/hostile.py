"""A hostile upload corpus, built in code at test time (nothing binary is committed).

`HOSTILE_CASES` rows unpack as `(label, filename, content_type, bytes_factory, expected_code,
expected_status)`, so unit tests and HTTP tests walk the same table. Every row has exactly one
defect, so the answer does not depend on the order of the checks. The table assumes the
defaults MAX_FILE_SIZE_MB=10 and max_pages=100 (`MAX_BYTES`, `MAX_PAGES`).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable
from functools import cache
from typing import NamedTuple

import pymupdf
from PIL import Image

MAX_BYTES = 10 * 1024 * 1024
MAX_PAGES = 100
PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
AES_256 = pymupdf.mupdf.PDF_ENCRYPT_AES_256


class Case(NamedTuple):
    label: str
    filename: str
    content_type: str | None  # the multipart part's Content-Type
    bytes_factory: Callable[[], bytes]
    expected_code: str
    expected_status: int


class ValidCase(NamedTuple):
    label: str
    filename: str
    content_type: str | None
    bytes_factory: Callable[[], bytes]
    expected_type: str
    expected_pages: int


@cache
def pdf_bytes(pages: int = 3) -> bytes:
    """A small text PDF, one line of invoice text per page."""
    with pymupdf.open() as doc:
        for number in range(pages):
            page = doc.new_page()
            page.insert_text((72, 72), f"Invoice INV-{number:04d}  Total: 1,234.56 EUR")
        return doc.tobytes()


def encrypted_pdf() -> bytes:
    with pymupdf.open(stream=pdf_bytes(), filetype="pdf") as doc:
        return doc.tobytes(encryption=AES_256, owner_pw="own", user_pw="usr")


def owner_only_pdf() -> bytes:
    """Permissions password only: anyone may open it."""
    with pymupdf.open(stream=pdf_bytes(), filetype="pdf") as doc:
        return doc.tobytes(encryption=AES_256, owner_pw="own", user_pw="")


def truncated_pdf() -> bytes:
    data = pdf_bytes(8)
    return data[: len(data) * 6 // 10]


def handmade_pdf(objects: list[str]) -> bytes:
    """A PDF from raw object bodies (object 1 is the catalog), with a correct xref table."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


_CATALOG = "<< /Type /Catalog /Pages 2 0 R >>"


def zero_page_pdf() -> bytes:
    return handmade_pdf([_CATALOG, "<< /Type /Pages /Kids [] /Count 0 >>"])


def one_page_pdf() -> bytes:
    """An uncompressed, all-text PDF with one blank page."""
    pages = "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
    page = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"
    return handmade_pdf([_CATALOG, pages, page])


def leading_junk_pdf() -> bytes:
    """Binary junk first: libmagic calls this application/octet-stream."""
    return b"\x00" * 512 + pdf_bytes()


def text_before_pdf() -> bytes:
    """Text first, then a textual PDF: libmagic still calls this application/pdf."""
    return b"<html><body>hi</body></html>\n" + one_page_pdf()


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("payload.js", "WScript.Echo('pwned');")
    return buffer.getvalue()


def pdf_zip_polyglot() -> bytes:
    return pdf_bytes() + zip_bytes()


def zip_with_pdf_header() -> bytes:
    return b"%PDF-1.7\n" + zip_bytes()


def oversize_pdf(size: int = MAX_BYTES + 1) -> bytes:
    """A PDF padded with a comment line to exactly `size` bytes (MuPDF repairs the offsets)."""
    body = pdf_bytes()
    header, rest = body.split(b"\n", 1)
    padding = size - len(body) - 2  # "\n%" replaces the header's "\n", plus one "\n" after
    return header + b"\n%" + b"0" * padding + b"\n" + rest


def exe_bytes() -> bytes:
    """An MZ stub whose e_lfanew points at a PE header: libmagic's application/x-dosexec."""
    dos = bytearray(128)
    dos[:2] = b"MZ"
    struct.pack_into("<I", dos, 0x3C, len(dos))
    pe = b"PE\x00\x00" + struct.pack("<HHIIIHH", 0x14C, 1, 0, 0, 0, 0xE0, 0x102)
    return bytes(dos) + pe + bytes(512)


def html_bytes() -> bytes:
    return b"<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>\n"


@cache
def image_bytes(fmt: str, size: tuple[int, int] = (96, 64)) -> bytes:
    """A noisy RGB image, so that cutting the file loses real pixel data."""
    image = Image.effect_noise(size, 64).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    return image_bytes("JPEG")


def png_bytes() -> bytes:
    return image_bytes("PNG")


def truncated(factory: Callable[[], bytes]) -> Callable[[], bytes]:
    """A factory for the first half of what `factory` makes."""

    def first_half() -> bytes:
        data = factory()
        return data[: len(data) // 2]

    return first_half


def _png_chunk(tag: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))


@cache
def png_bomb(width: int = 20_000, height: int = 20_000) -> bytes:
    """A 1-bit all-black PNG: `width*height` pixels in a few tens of KiB."""
    row = bytes(1 + (width + 7) // 8)  # filter byte "None" + packed bits
    compressor = zlib.compressobj(9)
    block = 256  # rows per compress call: bounded memory, few calls
    idat = [compressor.compress(row * min(block, height - y)) for y in range(0, height, block)]
    idat.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", b"".join(idat))
        + _png_chunk(b"IEND", b"")
    )


def many_pages_pdf() -> bytes:
    with pymupdf.open() as doc:
        for _ in range(MAX_PAGES + 1):
            doc.new_page()
        return doc.tobytes()


_CONTENT = "invalid_document", 422
_TYPE = "unsupported_media_type", 415
_NAME = "suspicious_filename", 422

HOSTILE_CASES: list[Case] = [
    Case("empty_pdf", "empty.pdf", PDF, lambda: b"", *_CONTENT),
    Case("truncated_pdf", "cut.pdf", PDF, truncated_pdf, *_CONTENT),
    Case("encrypted_pdf", "locked.pdf", PDF, encrypted_pdf, *_CONTENT),
    Case("zero_page_pdf", "blank.pdf", PDF, zero_page_pdf, *_CONTENT),
    Case("too_many_pages_pdf", "long.pdf", PDF, many_pages_pdf, "too_many_pages", 422),
    Case("leading_junk_pdf", "junk.pdf", PDF, leading_junk_pdf, *_TYPE),
    Case("text_before_pdf_header", "junk.pdf", PDF, text_before_pdf, *_TYPE),
    Case("png_bomb_20000x20000", "bomb.png", PNG, png_bomb, *_CONTENT),
    Case("png_over_pixel_limit", "big.png", PNG, lambda: png_bomb(8_000, 8_000), *_CONTENT),
    Case("truncated_jpeg", "cut.jpg", JPEG, truncated(jpeg_bytes), *_CONTENT),
    Case("truncated_png", "cut.png", PNG, truncated(png_bytes), *_CONTENT),
    Case("exe_as_pdf", "invoice.pdf", PDF, exe_bytes, *_TYPE),
    Case("html_as_pdf", "invoice.pdf", PDF, html_bytes, *_TYPE),
    Case("pdf_zip_polyglot", "invoice.pdf", PDF, pdf_zip_polyglot, *_TYPE),
    Case("zip_with_pdf_header", "invoice.pdf", PDF, zip_with_pdf_header, *_TYPE),
    Case("jpeg_as_png", "photo.png", PNG, jpeg_bytes, *_TYPE),
    Case("pdf_declared_png", "invoice.pdf", PNG, pdf_bytes, *_TYPE),
    Case("pdf_named_txt", "invoice.txt", None, pdf_bytes, *_TYPE),
    Case("over_size_limit", "huge.pdf", PDF, oversize_pdf, "file_too_large", 413),
    Case("double_extension_exe", "invoice.pdf.exe", PDF, pdf_bytes, *_NAME),
    Case("script_extension", "invoice.js", PDF, pdf_bytes, *_NAME),
    Case("path_traversal", "../../etc/passwd.pdf", PDF, pdf_bytes, *_NAME),
    Case("fullwidth_traversal", "\uff0e\uff0e\uff0fsecret.pdf", PDF, pdf_bytes, *_NAME),
    Case("absolute_path", "/etc/invoice.pdf", PDF, pdf_bytes, *_NAME),
    Case("drive_letter", "C:\\Windows\\invoice.pdf", PDF, pdf_bytes, *_NAME),
    Case("windows_device_name", "CON.pdf", PDF, pdf_bytes, *_NAME),
    Case("right_to_left_override", "invoice\u202efdp.exe", PDF, pdf_bytes, *_NAME),
    # Over HTTP a client may send the NUL as "%00"; the ".exe" keeps the answer the same.
    Case("nul_byte", "invoice.pdf\x00.exe", PDF, pdf_bytes, *_NAME),
    Case("alternate_data_stream", "invoice.pdf:evil.exe", PDF, pdf_bytes, *_NAME),
]

VALID_CASES: list[ValidCase] = [
    ValidCase("pdf", "invoice.pdf", PDF, pdf_bytes, PDF, 3),
    ValidCase("pdf_no_declared_type", "invoice.PDF", None, pdf_bytes, PDF, 3),
    ValidCase("pdf_octet_stream", "invoice.pdf", "application/octet-stream", pdf_bytes, PDF, 3),
    ValidCase("pdf_owner_password_only", "perm.pdf", PDF, owner_only_pdf, PDF, 3),
    ValidCase("pdf_handmade_text", "plain.pdf", PDF, one_page_pdf, PDF, 1),
    ValidCase("pdf_max_pages", "long.pdf", PDF, lambda: pdf_bytes(MAX_PAGES), PDF, MAX_PAGES),
    ValidCase("jpeg", "photo.jpg", JPEG, jpeg_bytes, JPEG, 1),
    ValidCase("jpeg_alias_type", "photo.jpeg", "image/jpg", jpeg_bytes, JPEG, 1),
    ValidCase("png", "scan.png", PNG, png_bytes, PNG, 1),
    ValidCase("png_in_folder", "scans/scan.png", "image/png; charset=binary", png_bytes, PNG, 1),
]

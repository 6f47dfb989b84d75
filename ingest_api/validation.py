"""Upload validation: read within a size limit, then prove the bytes are a PDF, JPEG or PNG.

`validate_upload` runs the checks in this order; each failure is one `RequestError`:

    name     SuspiciousFilename     suspicious_filename     422  (see ingest_api.filenames)
    size     FileTooLarge           file_too_large          413  raised while reading
    empty    InvalidDocument        invalid_document        422
    type     UnsupportedMediaType   unsupported_media_type  415  libmagic says something else,
             the declared type or the extension disagrees, bytes precede the signature,
             or the content is also a ZIP archive (a polyglot)
    parse    InvalidDocument        invalid_document        422  PDF: won't open, needs a password,
             truncated (no %%EOF in its last 1 KiB), no pages; image: too many pixels, broken
             header or chunks, a JPEG without its end marker (pixels are decoded in preprocess)
    pages    TooManyPages           too_many_pages          422

Decisions: an empty body is refused by `inspect_document`, not `read_limited`, so producers that
do not come through HTTP get the same answer. Leading junk is a type error (415) because libmagic
usually calls such a file octet-stream; we answer the same however short the junk is. A PDF
whose xref needed repair is accepted if it ends with %%EOF and every page loads; a PDF with only
an owner password (no password needed to open it) is accepted, as it renders like any other.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import io
import struct
import threading
import warnings
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import NamedTuple, Protocol

import magic
from PIL import Image
from pymupdf import mupdf

from config.errors import (
    FileTooLarge,
    InvalidDocument,
    RequestError,
    TooManyPages,
    UnsupportedMediaType,
)
from config.media import BY_ALIAS, BY_EXTENSION, MEDIA_TYPES
from ingest_api.filenames import safe_filename

CHUNK_SIZE = 64 * 1024
DEFAULT_MAX_IMAGE_PIXELS = 50_000_000
MAGIC_WINDOW = 64 * 1024  # libmagic needs only the head; the whole body would be wasted work
INLINE_PARSE_BYTES = 1024 * 1024  # bodies up to this size are parsed on the event loop
_TURN = threading.Lock()  # PyMuPDF is not thread-safe: one document check at a time
PDF_EOF_WINDOW = 1024  # Acrobat's rule: %%EOF must appear within the last 1 KiB

UNKNOWN_TYPES = frozenset({"", "application/octet-stream"})

ZIP_EOCD = b"PK\x05\x06"
ZIP_CENTRAL_ENTRY = b"PK\x01\x02"
ZIP64_LOCATOR = b"PK\x06\x07"
ZIP_TAIL = 22 + 0xFFFF  # end-of-central-directory record plus the longest archive comment


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    content_type: str
    pages: int
    size: int
    sha256: str
    width: int | None = None  # images only
    height: int | None = None


class ValidatedUpload(NamedTuple):
    filename: str  # sanitized
    data: bytes
    info: DocumentInfo


class AsyncReader(Protocol):
    async def read(self, size: int = -1) -> bytes: ...


async def iter_chunks(reader: AsyncReader, size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
    """Yield `reader.read(size)` until it returns b"" (fits `UploadFile`)."""
    while chunk := await reader.read(size):
        yield chunk


async def read_limited(chunks: AsyncIterator[bytes], limit: int) -> bytes:
    """Join the chunks; raise `FileTooLarge` at the first chunk that would pass `limit`."""
    parts: list[bytes] = []
    total = 0
    async for chunk in chunks:
        total += len(chunk)
        if total > limit:
            # Let go of what we hold now (the traceback keeps this frame alive) and stop the source.
            parts.clear()
            aclose = getattr(chunks, "aclose", None)
            if aclose is not None:
                await aclose()
            raise FileTooLarge(f"file is larger than the limit of {limit} bytes")
        parts.append(chunk)
    return b"".join(parts)


def inspect_document(
    data: bytes,
    *,
    filename: str,
    declared_type: str | None,
    max_pages: int,
    max_image_pixels: int = DEFAULT_MAX_IMAGE_PIXELS,
) -> DocumentInfo:
    """Prove the bytes are one PDF, JPEG or PNG we can process, or raise a `RequestError`."""
    if not data:
        raise InvalidDocument("empty file")
    content_type = _sniff(data)
    _check_claims(content_type, declared_type, filename)
    if not data.startswith(MEDIA_TYPES[content_type].signature):
        raise UnsupportedMediaType(f"unexpected bytes before the {content_type} signature")
    if _contains_zip(data):
        raise UnsupportedMediaType("content is also a ZIP archive (polyglot file)")
    width = height = None
    try:
        if content_type == "application/pdf":
            pages = _inspect_pdf(data, max_pages)
        else:
            pages = 1
            width, height = _inspect_image(data, content_type, max_image_pixels)
    except RequestError:
        raise
    except Exception as exc:  # parsers fail in many ways on hostile input; none is a 500
        raise InvalidDocument(f"{content_type} content is corrupt or truncated") from exc
    digest = hashlib.sha256(data).hexdigest()
    return DocumentInfo(content_type, pages, len(data), digest, width, height)


async def validate_upload(
    chunks: AsyncIterator[bytes],
    *,
    filename: str | None,
    declared_type: str | None,
    limit: int,
    max_pages: int,
    max_image_pixels: int = DEFAULT_MAX_IMAGE_PIXELS,
) -> ValidatedUpload:
    """Run every check in the documented order.

    Typical uploads parse in less time than a hop to a worker thread costs; bodies over
    INLINE_PARSE_BYTES go to a thread, so a long parse never stalls the event loop. MuPDF must
    not run on two threads at once, so checks take turns (`_TURN`); one that finds the turn
    taken waits for it in a thread too, never on the event loop.
    """
    name = safe_filename(filename)
    data = await read_limited(chunks, limit)
    check = functools.partial(inspect_document, data, filename=name, declared_type=declared_type,
                              max_pages=max_pages, max_image_pixels=max_image_pixels)
    if len(data) <= INLINE_PARSE_BYTES and _TURN.acquire(blocking=False):
        try:
            info = check()
        finally:
            _TURN.release()
    else:
        info = await asyncio.to_thread(_in_turn, check)
    return ValidatedUpload(name, data, info)


def _in_turn(check: Callable[[], DocumentInfo]) -> DocumentInfo:
    with _TURN:
        return check()


def _sniff(data: bytes) -> str:
    try:
        found = magic.from_buffer(data[:MAGIC_WINDOW], mime=True)
    except Exception as exc:
        raise InvalidDocument("content type cannot be determined") from exc
    if found in MEDIA_TYPES:
        return found
    if b"%PDF-" in data[:PDF_EOF_WINDOW]:
        raise UnsupportedMediaType("unexpected bytes before the PDF header")
    raise UnsupportedMediaType(f"content is {found}; only PDF, JPEG and PNG are accepted")


def _check_claims(actual: str, declared_type: str | None, filename: str) -> None:
    """The multipart content type and the extension, when they say anything, must agree."""
    ext = _extension(filename)
    if ext and ext not in BY_EXTENSION:
        raise UnsupportedMediaType(f"extension .{ext} is not one of .pdf, .jpg, .jpeg, .png")
    claims = {f"extension .{ext}": BY_EXTENSION[ext].name} if ext else {}
    declared = _normalize_type(declared_type)
    if declared not in UNKNOWN_TYPES:
        claims["declared type"] = declared
    wrong = [f"{source} says {claimed}" for source, claimed in claims.items() if claimed != actual]
    if wrong:
        raise UnsupportedMediaType(f"content is {actual} but {' and '.join(wrong)}")


def _normalize_type(value: str | None) -> str:
    base = (value or "").split(";", 1)[0].strip().lower()
    return BY_ALIAS[base].name if base in BY_ALIAS else base


def _extension(filename: str) -> str:
    stem, dot, ext = filename.rpartition(".")
    return ext.lower() if dot and stem.strip(". ") else ""


def _contains_zip(data: bytes) -> bool:
    """True if a ZIP reader would find an archive: an end record and its central directory."""
    tail_start = max(len(data) - ZIP_TAIL, 0)
    tail = data[tail_start:]
    eocd = tail.rfind(ZIP_EOCD)
    if eocd < 0 or len(tail) - eocd < 22:
        return False
    if tail.startswith(ZIP64_LOCATOR, max(eocd - 20, 0)):  # ZIP64 puts its locator right before
        return True
    (directory_size,) = struct.unpack_from("<I", tail, eocd + 12)
    # Measured back from the end record, so data prepended to the archive does not hide it;
    # checking for a directory entry keeps four stray bytes in a PDF stream from counting.
    directory = tail_start + eocd - directory_size
    return directory_size > 0 and data.startswith(ZIP_CENTRAL_ENTRY, max(directory, 0))


def _inspect_pdf(data: bytes, max_pages: int) -> int:
    # libmagic calls a truncated PDF application/pdf and MuPDF silently repairs it.
    if b"%%EOF" not in data[-PDF_EOF_WINDOW:]:
        raise InvalidDocument("PDF is truncated (no %%EOF at its end)")
    # MuPDF's own calls: pymupdf.open() also reads the outline and eleven metadata entries,
    # work these checks do not need on every upload.
    stream = mupdf.fz_open_buffer(mupdf.fz_new_buffer_from_copied_data(data))
    doc = mupdf.fz_open_document_with_stream("pdf", stream)
    if mupdf.fz_needs_password(doc):
        raise InvalidDocument("PDF is encrypted with a password")
    pages = mupdf.fz_count_pages(doc)
    if pages == 0:
        raise InvalidDocument("PDF has no pages")
    if pages > max_pages:
        raise TooManyPages(f"PDF has {pages} pages; the limit is {max_pages}")
    for number in range(pages):  # loading each page proves the page tree holds together
        mupdf.fz_load_page(doc, number)
    return pages


def _inspect_image(data: bytes, content_type: str, max_pixels: int) -> tuple[int, int]:
    """Header, pixel count and structure; the pixels themselves are decoded by preprocess.

    Decoding here would cost the edge a full decode per scan for no gain: a file whose compressed
    data is corrupt past a sound structure fails in preprocess, which dead-letters it and
    marks the document failed with invalid_document.
    """
    pil_format = MEDIA_TYPES[content_type].pil_format
    formats = [pil_format] if pil_format else None
    # Pillow only warns between its own limit and twice that: make the warning fatal, and apply
    # its limit ourselves too, since catch_warnings is process-wide and racy between threads.
    max_pixels = min(max_pixels, Image.MAX_IMAGE_PIXELS or max_pixels)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            # Image.open reads the header only: the size is known before anything is decoded.
            with Image.open(io.BytesIO(data), formats=formats) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise InvalidDocument(f"image too large to decode ({width}x{height} pixels)")
                scan_start = image.tile[0][2] if image.tile else len(data)
                image.verify()  # PNG: every chunk and its CRC, up to IEND
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise InvalidDocument("image too large to decode (decompression bomb)") from exc
    # A JPEG cut short loses its end-of-image marker (a thumbnail's own EOI sits before the scan).
    if formats == ["JPEG"] and data.rfind(b"\xff\xd9") < scan_start:
        raise InvalidDocument("JPEG is truncated (no end-of-image marker after the scan data)")
    return width, height

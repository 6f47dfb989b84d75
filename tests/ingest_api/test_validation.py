"""Bounded reading and content inspection, over the hostile corpus and valid documents."""

from __future__ import annotations

import asyncio
import hashlib
import tracemalloc
import warnings
from collections.abc import AsyncIterator

import magic
import pymupdf
import pytest
from PIL import ImageFile, PngImagePlugin

from config.errors import FileTooLarge, InvalidDocument, RequestError, UnsupportedMediaType
from ingest_api import validation
from ingest_api.validation import (
    DocumentInfo,
    inspect_document,
    iter_chunks,
    read_limited,
    validate_upload,
)
from tests.ingest_api.hostile import (
    HOSTILE_CASES,
    MAX_BYTES,
    MAX_PAGES,
    VALID_CASES,
    Case,
    ValidCase,
    encrypted_pdf,
    oversize_pdf,
    pdf_bytes,
    png_bomb,
    png_bytes,
    text_before_pdf,
)

CHUNK = 64 * 1024


async def chunked(data: bytes, size: int = CHUNK) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def validate(data: bytes, filename: str | None, content_type: str | None):
    return await validate_upload(
        chunked(data),
        filename=filename,
        declared_type=content_type,
        limit=MAX_BYTES,
        max_pages=MAX_PAGES,
    )


def inspect(data: bytes, filename: str = "doc.pdf", **kwargs) -> DocumentInfo:
    kwargs.setdefault("declared_type", None)
    kwargs.setdefault("max_pages", MAX_PAGES)
    return inspect_document(data, filename=filename, **kwargs)


@pytest.mark.parametrize("case", HOSTILE_CASES, ids=lambda c: c.label)
async def test_hostile_case_gets_its_documented_error(case: Case) -> None:
    with pytest.raises(RequestError) as caught:
        await validate(case.bytes_factory(), case.filename, case.content_type)
    assert (caught.value.code, caught.value.status) == (case.expected_code, case.expected_status)
    assert caught.value.message


@pytest.mark.parametrize("case", VALID_CASES, ids=lambda c: c.label)
async def test_valid_document_is_accepted(case: ValidCase) -> None:
    data = case.bytes_factory()
    upload = await validate(data, case.filename, case.content_type)
    info = upload.info
    assert (info.content_type, info.pages) == (case.expected_type, case.expected_pages)
    assert (info.size, info.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert upload.data == data
    assert upload.filename == case.filename.rsplit("/", 1)[-1]
    if info.content_type.startswith("image/"):
        assert (info.width, info.height) == (96, 64)
    else:
        assert info.width is info.height is None


async def test_checks_take_turns_without_blocking_the_event_loop() -> None:
    """While a large document's check holds the turn (in a thread), a small upload waits for it
    in a thread as well: MuPDF never runs on two threads, the event loop never stops."""
    validation._TURN.acquire()
    try:
        waiting = asyncio.create_task(validate(pdf_bytes(2), "doc.pdf", "application/pdf"))
        await asyncio.sleep(0.2)  # returns only if the loop is free
        assert not waiting.done()
    finally:
        validation._TURN.release()
    assert (await asyncio.wait_for(waiting, 10)).info.pages == 2


async def test_read_limited_returns_everything_up_to_the_limit() -> None:
    data = bytes(range(256)) * 1000
    assert await read_limited(chunked(data, 1000), len(data)) == data
    assert await read_limited(chunked(b""), 10) == b""
    with pytest.raises(FileTooLarge):
        await read_limited(chunked(data, 1000), len(data) - 1)


async def test_read_limited_stops_at_the_first_chunk_over_the_limit() -> None:
    consumed, closed = 0, False

    async def endless() -> AsyncIterator[bytes]:
        nonlocal consumed, closed
        try:
            while True:
                consumed += 1
                yield bytes(CHUNK)
        finally:
            closed = True

    with pytest.raises(FileTooLarge):
        await read_limited(endless(), 16 * CHUNK)
    assert consumed == 17  # 16 chunks fill the limit exactly; the 17th is one too many
    assert closed


async def test_read_limited_never_holds_more_than_limit_plus_one_chunk() -> None:
    limit = 2 * 1024 * 1024

    async def fresh_chunks() -> AsyncIterator[bytes]:
        for _ in range(200):  # 12.5 MiB on offer, each chunk a new allocation
            yield bytes(CHUNK)

    tracemalloc.start()
    try:
        with pytest.raises(FileTooLarge):
            await read_limited(fresh_chunks(), limit)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < limit + 2 * CHUNK


async def test_iter_chunks_reads_an_upload_in_fixed_chunks() -> None:
    class Reader:
        def __init__(self, data: bytes) -> None:
            self.data = data
            self.sizes: list[int] = []

        async def read(self, size: int = -1) -> bytes:
            self.sizes.append(size)
            chunk, self.data = self.data[:size], self.data[size:]
            return chunk

    reader = Reader(b"x" * (2 * CHUNK + 5))
    chunks = [chunk async for chunk in iter_chunks(reader)]
    assert [len(c) for c in chunks] == [CHUNK, CHUNK, 5]
    assert set(reader.sizes) == {CHUNK}


def test_empty_file_is_invalid_not_unsupported() -> None:
    with pytest.raises(InvalidDocument, match="empty"):
        inspect(b"", declared_type="application/pdf")


def test_pixel_limit_is_checked_from_the_header(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_decoding(self):
        raise AssertionError("decoded before the size check")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    monkeypatch.setattr(PngImagePlugin.PngImageFile, "verify", no_decoding)
    with pytest.raises(InvalidDocument, match="1000x1000"):
        inspect(png_bomb(1000, 1000), "a.png", max_image_pixels=999_999)


def test_pillow_bomb_warning_becomes_invalid_document() -> None:
    # 100M pixels passes our limit here but crosses Pillow's own warning threshold.
    filters = list(warnings.filters)
    with pytest.raises(InvalidDocument, match="bomb"):
        inspect(png_bomb(10_000, 10_000), "a.png", max_image_pixels=10**9)
    assert warnings.filters == filters


def test_image_within_the_pixel_limit_is_decoded() -> None:
    info = inspect(png_bomb(1000, 1000), "a.png", max_image_pixels=1_000_000)
    assert (info.width, info.height, info.pages) == (1000, 1000, 1)


def test_encrypted_pdf_is_refused_for_its_password() -> None:
    with pytest.raises(InvalidDocument, match="password"):
        inspect(encrypted_pdf())


def test_text_before_the_pdf_header_is_refused_though_libmagic_says_pdf() -> None:
    data = text_before_pdf()
    assert magic.from_buffer(data, mime=True) == "application/pdf"
    with pytest.raises(UnsupportedMediaType, match="before"):
        inspect(data)


def test_repaired_pdf_that_ends_properly_is_accepted() -> None:
    data = oversize_pdf(50_000)  # the padding moves every object away from its xref offset
    with pymupdf.open(stream=data, filetype="pdf") as doc:
        assert doc.is_repaired
    assert inspect(data).pages == 3


def test_zip_signature_bytes_alone_are_not_a_polyglot() -> None:
    header, rest = pdf_bytes().split(b"\n", 1)
    data = header + b"\n%PK\x05\x06" + bytes(18) + b"\n" + rest
    assert inspect(data).pages == 3


def test_page_limit_is_inclusive() -> None:
    assert inspect(pdf_bytes(4), max_pages=4).pages == 4
    with pytest.raises(RequestError) as caught:
        inspect(pdf_bytes(5), max_pages=4)
    assert caught.value.code == "too_many_pages"


def test_name_without_extension_takes_the_sniffed_type() -> None:
    assert inspect(png_bytes(), "document").content_type == "image/png"


def test_disagreement_message_names_each_wrong_claim() -> None:
    with pytest.raises(UnsupportedMediaType) as caught:
        inspect(pdf_bytes(), "scan.jpg", declared_type="image/png")
    assert "extension .jpg" in caught.value.message
    assert "declared type says image/png" in caught.value.message


@pytest.mark.parametrize("target", ["mupdf.fz_open_document_with_stream", "magic.from_buffer"])
def test_parser_crash_is_invalid_document(monkeypatch: pytest.MonkeyPatch, target: str) -> None:
    def crash(*args, **kwargs):
        raise RuntimeError("parser blew up")

    module, name = target.split(".")
    monkeypatch.setattr(getattr(validation, module), name, crash)
    with pytest.raises(InvalidDocument):
        inspect(pdf_bytes())


def test_document_info_is_frozen() -> None:
    info = inspect(pdf_bytes())
    with pytest.raises(AttributeError):
        info.pages = 1  # type: ignore[misc]

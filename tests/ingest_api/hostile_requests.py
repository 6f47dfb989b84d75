"""Hostile input the edge accepts but the pipeline must refuse or bound (`PIPELINE_CASES`),
and hostile requests rather than hostile files (`HOSTILE_REQUESTS`)."""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import NamedTuple

import pymupdf

from tests.ingest_api.hostile import JPEG, PDF, image_bytes, pdf_bytes


def jpeg_claiming(width: int = 7000, height: int = 7000) -> bytes:
    """A 64x64 JPEG whose frame header claims `width` x `height`: the data runs out long before."""
    data = bytearray(image_bytes("JPEG", (64, 64)))
    sof = data.find(b"\xff\xc0")  # baseline frame header: length(2) precision(1) height width
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


def huge_page_pdf(side: float = 14_400) -> bytes:
    """One blank page of `side` x `side` points (MuPDF's maximum), so it is rendered, not read."""
    with pymupdf.open() as doc:
        doc.new_page(width=side, height=side)
        return doc.tobytes()


class Outcome(NamedTuple):
    """Bytes the edge accepts (202) and the pipeline must answer for in preprocess."""

    label: str
    filename: str
    content_type: str
    bytes_factory: Callable[[], bytes]
    final_status: str
    final_code: str | None


PIPELINE_CASES: list[Outcome] = [
    Outcome("jpeg_header_claims_7000x7000", "claim.jpg", JPEG, jpeg_claiming, "failed",
            "invalid_document"),
    Outcome("pdf_page_14400pt", "poster.pdf", PDF, huge_page_pdf, "completed", None),
]


class Probe(NamedTuple):
    """A hostile request, not a hostile file: `body` is bytes or a factory of them."""

    label: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | Callable[[], bytes]
    expected_status: int
    expected_code: str | None


def nested_schema(depth: int = 15_000) -> bytes:
    """Under the 32 KiB schema limit, far over Python's recursion limit."""
    return b'{"fields": ' + b"[" * depth + b"]" * depth + b"}"


def long_name_upload(chars: int) -> tuple[bytes, str]:
    """A multipart body (and its content type) whose file name is `chars` characters long."""
    boundary = "hostile-boundary-19"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{"n" * chars}.pdf"\r\nContent-Type: application/pdf\r\n\r\n').encode()
    return head + pdf_bytes() + f"\r\n--{boundary}--\r\n".encode(), \
        f"multipart/form-data; boundary={boundary}"


_JSON = {"Content-Type": "application/json"}
HOSTILE_REQUESTS: list[Probe] = [
    Probe("schema_nested_15000_deep", "PUT", "/v1/schemas/deep", _JSON, nested_schema, 422,
          "invalid_schema"),
    Probe("schema_body_over_32KiB", "PUT", "/v1/schemas/big", _JSON,
          lambda: b'{"fields": {}, "description": "' + b"x" * 40_000 + b'"}', 422,
          "invalid_schema"),
    Probe("schema_name_not_snake_case", "PUT", "/v1/schemas/Bad-Name", _JSON,
          b'{"fields": {"a": {}}}', 422, "invalid_request"),
    Probe("trace_method", "TRACE", "/v1/schemas", {}, b"", 405, "method_not_allowed"),
    Probe("patch_document", "PATCH", "/v1/documents/abc", {}, b"", 405, "method_not_allowed"),
    *(Probe(f"filename_{n}_chars", "POST", "/v1/documents",
            {"Content-Type": long_name_upload(n)[1]}, lambda n=n: long_name_upload(n)[0], 202,
            None) for n in (4_000, 6_000, 8_000)),
    Probe("filename_40000_chars", "POST", "/v1/documents",
          {"Content-Type": long_name_upload(40_000)[1]}, lambda: long_name_upload(40_000)[0],
          422, "invalid_request"),
    Probe("form_urlencoded_upload", "POST", "/v1/documents",
          {"Content-Type": "application/x-www-form-urlencoded"}, b"file=x&schema=invoice", 422,
          "invalid_request"),
    Probe("multipart_cut_before_closing_boundary", "POST", "/v1/documents",
          {"Content-Type": long_name_upload(10)[1]}, lambda: long_name_upload(10)[0][:-40], 422,
          "invalid_request"),
]

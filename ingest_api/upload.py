"""Read a multipart upload without ever holding more than the limit plus one chunk.

The multipart body is parsed here (python-multipart's push parser) rather than by Starlette's
`request.form()`: that one keeps the parser's 4 KiB limit on a part's header lines, so a file
name of a few thousand characters was refused instead of shortened (ingest_api.filenames does
that), and it spools the file to a temporary file we then read back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from config.errors import FileTooLarge, InvalidRequest
from ingest_api.validation import DocumentInfo, validate_upload

FORM_OVERHEAD = 64 * 1024  # multipart boundaries, headers and the small form fields
MAX_HEADER_LINE = 32 * 1024  # a part's header line: room for a long name, which is then cut
MAX_FIELD_BYTES = 1024  # `schema` and any other plain field
MAX_FIELDS = 4


@dataclass
class Upload:
    data: bytes
    filename: str  # sanitized
    info: DocumentInfo
    schema: str


@dataclass
class _Part:
    name: str = ""
    filename: str | None = None
    content_type: str | None = None
    chunks: list[bytes] = field(default_factory=list)
    size: int = 0


async def read_upload(request: Request, limit: int, max_pages: int) -> Upload:
    """The validated upload (every check in ingest_api.validation), or a RequestError."""
    declared = int(request.headers.get("content-length") or 0)
    if declared > limit + FORM_OVERHEAD:
        raise FileTooLarge(f"upload is larger than {limit} bytes")
    guarded = Request(request.scope, receive=_guard(request.receive, limit + FORM_OVERHEAD))
    form = _Form(request.headers.get("content-type", ""), limit)
    async for chunk in guarded.stream():
        form.write(chunk)
    form.finish()
    file = form.file
    if file is None:
        raise InvalidRequest("multipart field 'file' is required")
    checked = await validate_upload(_replay(file.chunks), filename=file.filename,
                                    declared_type=file.content_type, limit=limit,
                                    max_pages=max_pages)
    schema = form.fields.get("schema") or "invoice"
    return Upload(checked.data, checked.filename, checked.info, schema)


class _Form:
    """Callbacks for python-multipart: one file part, a few small fields."""

    def __init__(self, content_type: str, limit: int) -> None:
        kind, options = parse_options_header(content_type)
        boundary = options.get(b"boundary")
        if kind != b"multipart/form-data" or not boundary:
            raise InvalidRequest("the body must be multipart/form-data with a boundary")
        self.limit = limit
        self.file: _Part | None = None
        self.fields: dict[str, str] = {}
        self._part = _Part()
        self._header = [b"", b""]  # name, value of the header line being read
        self._headers: dict[bytes, bytes] = {}
        self._ended = False
        self._parser = MultipartParser(boundary, {
            "on_part_begin": self._begin, "on_part_data": self._data,
            "on_part_end": self._end, "on_header_field": self._field,
            "on_header_value": self._value, "on_header_end": self._header_end,
            "on_headers_finished": self._headers_done, "on_end": self._finished,
        }, max_header_size=MAX_HEADER_LINE)

    def write(self, chunk: bytes) -> None:
        try:
            self._parser.write(chunk)
        except ValueError as exc:  # python-multipart's parse errors
            raise InvalidRequest(f"multipart body: {exc}") from None

    def finish(self) -> None:
        self._parser.finalize()
        if not self._ended:
            raise InvalidRequest("multipart body: it ends before its closing boundary")

    def _begin(self) -> None:
        self._part, self._headers = _Part(), {}

    def _field(self, data: bytes, start: int, end: int) -> None:
        self._header[0] += data[start:end]

    def _value(self, data: bytes, start: int, end: int) -> None:
        self._header[1] += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._header[0].strip().lower()] = self._header[1].strip()
        self._header = [b"", b""]

    def _headers_done(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        if b"name" not in options:
            raise InvalidRequest("multipart part without a name")
        self._part.name = _decode(options[b"name"])
        if b"filename" in options:
            if self.file is not None:
                raise InvalidRequest("multipart body: one file per upload")
            self._part.filename = _decode(options[b"filename"])
            content_type = self._headers.get(b"content-type")
            self._part.content_type = _decode(content_type) if content_type else None
            self.file = self._part
        elif len(self.fields) >= MAX_FIELDS:
            raise InvalidRequest(f"multipart body: more than {MAX_FIELDS} fields")

    def _data(self, data: bytes, start: int, end: int) -> None:
        part = self._part
        part.size += end - start
        cap = self.limit if part is self.file else MAX_FIELD_BYTES
        if part.size > cap:
            if part is self.file:
                raise FileTooLarge(f"file is larger than the limit of {cap} bytes")
            raise InvalidRequest(f"form field {part.name!r} is longer than {cap} bytes")
        part.chunks.append(data[start:end])

    def _end(self) -> None:
        if self._part is not self.file:
            self.fields[self._part.name] = _decode(b"".join(self._part.chunks))

    def _finished(self) -> None:
        self._ended = True


def _decode(raw: bytes) -> str:
    try:
        return raw.decode()
    except UnicodeDecodeError:  # what browsers send is UTF-8; anything else reads as Latin-1
        return raw.decode("latin-1")


async def _replay(chunks: list[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


def _guard(receive, budget: int):
    """Stop reading the socket once the body exceeds `budget`, however it is framed."""
    seen = 0

    async def guarded():
        nonlocal seen
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > budget:
            raise FileTooLarge(f"upload is larger than {budget - FORM_OVERHEAD} bytes")
        return message

    return guarded

"""Read a batch: several `file` parts plus `schema`, each file validated on its own.

The multipart parsing is upload.py's; a batch differs in holding many file parts, and in
turning a file's own problems (too large, wrong type, broken) into that file's error instead of
refusing the request.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from python_multipart.multipart import parse_options_header
from starlette.requests import Request

from config.errors import FileTooLarge, InvalidRequest, RequestError
from ingest_api.upload import FORM_OVERHEAD, Upload, _decode, _Form, _guard, _Part, _replay
from ingest_api.validation import validate_upload

BATCH_BYTES_FACTOR = 5  # a batch body may hold this many MAX_FILE_SIZE_MB
MAX_BATCH_FILES = 100


@dataclass
class BatchFile:
    filename: str  # as sent (cut to 255); the sanitized name once validated
    upload: Upload | None = None
    error: RequestError | None = None


@dataclass
class Batch:
    schema: str
    files: list[BatchFile] = field(default_factory=list)


class _BatchForm(_Form):
    """upload.py's form with many file parts; an oversized one is noted and skipped."""

    def __init__(self, content_type: str, limit: int, max_files: int) -> None:
        super().__init__(content_type, limit)
        self.max_files = max_files
        self.parts: list[_Part] = []
        self.oversized: set[int] = set()  # indexes into parts

    def _headers_done(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        if b"filename" not in options:
            super()._headers_done()
            return
        if len(self.parts) >= self.max_files:
            raise InvalidRequest(f"a batch holds at most {self.max_files} files")
        part = self._part
        part.name = _decode(options.get(b"name", b"file"))
        part.filename = _decode(options[b"filename"])
        content_type = self._headers.get(b"content-type")
        part.content_type = _decode(content_type) if content_type else None
        self.parts.append(part)
        self.file = part  # the parent's size cap applies to the current file part

    def _data(self, data: bytes, start: int, end: int) -> None:
        part = self._part
        if part is not self.file:
            super()._data(data, start, end)
            return
        part.size += end - start
        if part.size > self.limit:
            self.oversized.add(len(self.parts) - 1)
            part.chunks.clear()  # the rest of this part is read and dropped
            return
        part.chunks.append(data[start:end])


async def read_batch(request: Request, *, limit: int, max_pages: int, max_files: int) -> Batch:
    """Every file of the batch, validated one by one; a RequestError only for the whole body."""
    budget = BATCH_BYTES_FACTOR * limit + FORM_OVERHEAD
    declared = int(request.headers.get("content-length") or 0)
    if declared > budget:
        raise FileTooLarge(f"a batch is at most {budget - FORM_OVERHEAD} bytes")
    guarded = Request(request.scope, receive=_guard(request.receive, budget))
    form = _BatchForm(request.headers.get("content-type", ""), limit, max_files)
    async for chunk in guarded.stream():
        form.write(chunk)
    form.finish()
    if not form.parts:
        raise InvalidRequest("multipart field 'file' is required (one part per file)")
    batch = Batch(schema=form.fields.get("schema") or "invoice")
    for index, part in enumerate(form.parts):
        entry = BatchFile(filename=(part.filename or "")[:255])
        try:
            if index in form.oversized:
                raise FileTooLarge(f"file is larger than the limit of {limit} bytes")
            checked = await validate_upload(_replay(part.chunks), filename=part.filename,
                                            declared_type=part.content_type, limit=limit,
                                            max_pages=max_pages)
            entry.filename = checked.filename
            entry.upload = Upload(checked.data, checked.filename, checked.info, batch.schema)
        except RequestError as exc:
            entry.error = exc
        part.chunks = []  # validated bytes live on in the upload; the parsed copy can go
        batch.files.append(entry)
    return batch

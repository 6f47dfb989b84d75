"""Read a multipart upload without ever holding more than the limit plus one chunk."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request

from config.errors import FileTooLarge, InvalidRequest
from ingest_api.validation import DocumentInfo, iter_chunks, validate_upload

FORM_OVERHEAD = 64 * 1024  # multipart boundaries, headers and the small form fields


@dataclass
class Upload:
    data: bytes
    filename: str  # sanitized
    info: DocumentInfo
    schema: str


async def read_upload(request: Request, limit: int, max_pages: int) -> Upload:
    """The validated upload (every check in ingest_api.validation), or a RequestError."""
    declared = int(request.headers.get("content-length") or 0)
    if declared > limit + FORM_OVERHEAD:
        raise FileTooLarge(f"upload is larger than {limit} bytes")
    guarded = Request(request.scope, receive=_guard(request.receive, limit + FORM_OVERHEAD))
    try:
        form = await guarded.form(max_files=1, max_fields=4)
    except HTTPException as exc:  # malformed multipart, too many parts
        raise InvalidRequest(f"multipart body: {exc.detail}") from None
    try:
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise InvalidRequest("multipart field 'file' is required")
        checked = await validate_upload(iter_chunks(file), filename=file.filename,
                                        declared_type=file.content_type, limit=limit,
                                        max_pages=max_pages)
        schema = form.get("schema") or "invoice"
        return Upload(checked.data, checked.filename, checked.info, str(schema))
    finally:
        await form.close()


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

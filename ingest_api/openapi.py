"""OpenAPI pieces: the error body on every route and the multipart upload body."""

from __future__ import annotations

from typing import Any

from ingest_api.errors import ErrorBody

CODES = {
    401: "unauthorized: missing or invalid X-API-Key",
    404: "not_found: no such document for this tenant",
    413: "file_too_large: the upload is over MAX_FILE_SIZE_MB",
    415: "unsupported_media_type: not a PDF, JPEG or PNG, or type, bytes and extension disagree",
    422: ("invalid_document | suspicious_filename | unknown_schema | invalid_schema | "
          "too_many_pages | invalid_request"),
    429: "rate_limited: over RATE_LIMIT_PER_MINUTE; see Retry-After",
    503: "unavailable (Kafka) | store_unavailable (Redis): retry later",
}


def ERRORS(*statuses: int) -> dict[int | str, dict[str, Any]]:  # noqa: N802 - reads like a table
    return {s: {"model": ErrorBody, "description": CODES[s]} for s in statuses}


UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary",
                                 "description": "PDF, JPEG or PNG"},
                        "schema": {"type": "string", "default": "invoice",
                                   "description": "extraction schema name"},
                    },
                }
            }
        },
    }
}

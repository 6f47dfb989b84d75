"""OpenAPI pieces: the error body on every route, the multipart upload body and the schema body.

The bodies are as strict as the code that reads them, built from the same constants, so a body
the document allows is one the API accepts (schemathesis checks both directions).
"""

from __future__ import annotations

from typing import Any, get_args

from config.schemas import CHECKS, MAX_DESCRIPTION, MAX_FIELDS, NAME_RE, FieldType
from ingest_api.errors import ErrorBody
from ingest_api.upload import MAX_FIELDS as MAX_FORM_FIELDS

CODES = {
    401: "unauthorized: missing or invalid X-API-Key",
    404: "not_found: no such document for this tenant",
    408: "request_timeout: the body paused longer than BODY_READ_TIMEOUT_SECONDS",
    413: "file_too_large: the upload is over MAX_FILE_SIZE_MB",
    415: "unsupported_media_type: not a PDF, JPEG or PNG, or type, bytes and extension disagree",
    422: ("invalid_document | suspicious_filename | unknown_schema | invalid_schema | "
          "too_many_pages | invalid_request"),
    429: "rate_limited: over RATE_LIMIT_PER_MINUTE, or too many invalid API keys; see Retry-After",
    503: "unavailable (Kafka) | store_unavailable (Redis): retry later",
}


def ERRORS(*statuses: int) -> dict[int | str, dict[str, Any]]:  # noqa: N802 - reads like a table
    return {s: {"model": ErrorBody, "description": CODES[s]} for s in statuses}


NAME = {"type": "string", "pattern": NAME_RE.pattern}
# An empty `schema` form field means the default, so the upload's pattern allows it.
OPTIONAL_NAME = {"type": "string", "pattern": f"^({NAME_RE.pattern.strip('^$')})?$"}

UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "maxProperties": 1 + MAX_FORM_FIELDS,  # the file and a few small fields
                    "properties": {
                        "file": {"type": "string", "format": "binary",
                                 "description": "PDF, JPEG or PNG"},
                        "schema": {**OPTIONAL_NAME, "default": "invoice",
                                   "description": "extraction schema name"},
                    },
                }
            }
        },
    }
}

_SCALAR_TYPES = [t for t in get_args(FieldType) if t != "array"]
_DESCRIPTION = {"type": "string", "maxLength": MAX_DESCRIPTION}
_SCALAR_FIELD = {
    "type": "object",
    "properties": {"type": {"enum": _SCALAR_TYPES, "default": "string"},
                   "description": _DESCRIPTION},
    "not": {"required": ["items"]},
}
_ARRAY_FIELD = {
    "type": "object",
    "required": ["type", "items"],
    "properties": {
        "type": {"const": "array"}, "description": _DESCRIPTION,
        "items": {"type": "object", "propertyNames": NAME,
                  "additionalProperties": _SCALAR_FIELD,
                  "description": "the fields of one item"},
    },
}


_READS = "; ".join(f"{rule}: {', '.join(fields)}" for rule, fields in CHECKS.items() if fields)
SCHEMA_DEF: dict[str, Any] = {
    "type": "object",
    "required": ["fields"],
    "properties": {
        "name": {**NAME, "description": "optional; when given, the same as the URL's {name}"},
        "description": _DESCRIPTION,
        "fields": {"type": "object", "minProperties": 1, "maxProperties": MAX_FIELDS,
                   "propertyNames": NAME,
                   "additionalProperties": {"oneOf": [_SCALAR_FIELD, _ARRAY_FIELD]}},
        # Which fields each check reads is in the description: the if/then that would say it
        # defeats schema-driven clients and fuzzers (schemathesis cannot generate from it).
        "checks": {"type": "array", "items": {"enum": list(CHECKS)},
                   "description": f"cross-field checks; each needs the fields it reads: {_READS}"},
        "review_threshold": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
    },
}

SCHEMA_BODY: dict[str, Any] = {
    "requestBody": {"required": True, "content": {"application/json": {"schema": SCHEMA_DEF}}},
}

"""Versioned message models: the wire format of every topic (see asyncapi.yaml).

Every message is keyed by document id, carries `request_id` in its Kafka headers and has a
`schema_version`. Bump the version for any change a reader of the previous version would
misread, and keep reading the old one until no producer sends it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_serializer,
    field_validator,
    model_validator,
)

from config.errors import ExtractorError
from config.schemas import SchemaDef

SCHEMA_VERSION: Literal[1] = 1
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$"
# Kafka headers. On documents.results, STORED_HEADER says the sender already wrote this very
# record to the result store.
REQUEST_ID_HEADER = "request_id"
STORED_HEADER = "stored"

# `(x0, y0, x1, y1)` as fractions of the page from its top left: PDF pages and images alike.
BBox = tuple[float, float, float, float]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Status(StrEnum):
    queued = "queued"
    preprocessing = "preprocessing"
    extracting = "extracting"
    completed = "completed"
    failed = "failed"
    cancelled = "cancelled"

    @property
    def final(self) -> bool:
        return self in (Status.completed, Status.failed, Status.cancelled)


class Message(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    schema_version: Literal[1] = SCHEMA_VERSION
    id: str = Field(pattern=ID_PATTERN, description="document id; also the message key")
    tenant: str = Field(default="external", max_length=64)
    schema_name: str = Field(alias="schema", max_length=64, description="extraction schema")


class Submitted(Message):
    """`documents.submitted`: a document to extract, by reference (`blob`) or inline."""

    schema_def: SchemaDef | None = Field(
        default=None, description="the schema itself, for schemas that are not built in"
    )
    filename: str = Field(default="document", max_length=255)
    content_type: str = Field(description="application/pdf, image/jpeg or image/png")
    blob: str | None = Field(default=None, description="blob-store key of the bytes")
    content_b64: str | None = Field(default=None, description="base64 bytes, small files only")
    sha256: str | None = None
    submitted_at: datetime = Field(default_factory=utcnow)

    @model_validator(mode="after")
    def _one_source(self) -> Submitted:
        if (self.blob is None) == (self.content_b64 is None):
            raise ValueError("exactly one of 'blob' and 'content_b64' is required")
        return self


class Classification(BaseModel):
    """How sure a `schema=auto` split is: of each part's type and of its first and last page."""

    confidence: float = Field(ge=0.0, le=1.0, description="the part's type (lowest page)")
    boundary_confidence: float = Field(ge=0.0, le=1.0, description="the part's page range")
    method: str = Field(default="local", description="local, or the provider that classified")


class Part(BaseModel):
    """The split fields a child of a `schema=auto` document carries (None elsewhere)."""

    parent_id: str | None = Field(default=None, description="the `schema=auto` document split")
    page_range: tuple[int, int] | None = Field(
        default=None, description="[first, last] pages of the parent, 1-based, inclusive")
    classification: Classification | None = None


class Prepared(Part, Message):
    """`documents.prepared` (and `documents.paged`): page text, words and images, by reference."""

    schema_def: SchemaDef
    filename: str
    content_type: str
    pages_blob: str = Field(description="blob-store key of the JSON list of pages")
    image_blobs: list[str] = Field(default_factory=list,
                                   description="blob-store keys of the page images, if any")
    page_count: int
    submitted_at: datetime
    timings_ms: dict[str, float] = Field(default_factory=dict)


class Citation(BaseModel):
    page: int  # 1-based
    bbox: BBox


class ErrorInfo(BaseModel):
    code: str
    message: str


class Check(BaseModel):
    """One cross-field check of a result, e.g. subtotal + tax = total."""

    rule: str = Field(description="stable snake_case rule name")
    ok: bool
    fields: list[str] = Field(default_factory=list, description="the fields the rule reads")
    detail: str = ""


class Review(BaseModel):
    """Whether a person must look at the result before it is used, and what they did."""

    required: bool = False
    state: Literal["none", "pending", "approved", "corrected"] = "none"
    fields: list[str] = Field(default_factory=list, description="fields that need a look")
    threshold: float = Field(default=0.9, description="confidence below this needs review")
    reasons: dict[str, str] = Field(
        default_factory=dict,
        description="why each of `fields` needs a look: check_failed (a check naming it failed), "
                    "unconfirmed_scan (an amount read by OCR that no arithmetic check confirms), "
                    "unsure_reading (OCR was unsure of a character it read), low_confidence, "
                    "or for a split part's schema and page_range, split_unsure")


# Results whose `data` is null: a split parent, and a part no schema fits (never extracted).
NO_DATA_SCHEMAS = frozenset({"auto", "other"})
SPLIT_FIELDS = ("children", "parent_id", "page_range", "classification")


class Result(Part, Message):
    """`documents.results` and the result store: one record per document."""

    status: Status
    data: dict[str, Any] = Field(default_factory=dict,
                                 description="null for schema auto (the parent) and other")
    children: list[str] | None = Field(
        default=None, description="schema=auto: the parts' document ids, in page order")
    confidence: dict[str, float] = Field(default_factory=dict)
    citations: dict[str, list[Citation]] = Field(default_factory=dict)
    provider: str | None = None
    model: str | None = None
    pages: int | None = None
    timings_ms: dict[str, float] = Field(default_factory=dict)
    error: ErrorInfo | None = None
    checks: list[Check] = Field(default_factory=list)
    review: Review = Field(default_factory=Review)
    version: int = Field(default=1, ge=1, description="1 from the pipeline, +1 per review action;"
                         " consumers keep the highest version per id")
    created_at: datetime = Field(default_factory=utcnow)
    completed_at: datetime | None = None

    @field_validator("data", mode="before")
    @classmethod
    def _null_data(cls, value: Any) -> Any:
        return {} if value is None else value

    @field_serializer("data")
    def _data_out(self, value: dict[str, Any]) -> dict[str, Any] | None:
        return None if self.schema_name in NO_DATA_SCHEMAS else value

    def public(self) -> dict[str, Any]:
        """The contract's result JSON (no tenant, no wire version; split fields when set)."""
        unset = {name for name in SPLIT_FIELDS if getattr(self, name) is None}
        return self.model_dump(mode="json", by_alias=True,
                               exclude={"tenant", "schema_version", *unset})


def failed_result(doc_id: str, err: ExtractorError, template: Result | None) -> Result:
    """The final record of a document that could not be processed."""
    base = template or Result(id=doc_id, schema="unknown", status=Status.failed)
    return base.model_copy(update={
        "status": Status.failed, "error": ErrorInfo(code=err.code, message=err.message),
        "completed_at": utcnow(), "data": {}, "confidence": {}, "citations": {},
        "checks": [], "review": Review(),  # nothing extracted: nothing to review
    })

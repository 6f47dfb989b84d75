"""People in the loop: the tenant's review queue, and approving or correcting a result."""

from __future__ import annotations

import asyncio
import base64
import math
from typing import Any, Literal

import structlog
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from config.errors import InvalidRequest
from ingest_api.auth import KeyRing
from ingest_api.corrections import check_corrections
from ingest_api.deps import DocumentDep, Edge, EdgeDep, TenantDep
from ingest_api.openapi import ERRORS
from stores.results import record_key
from stores.reviews import MAX_PAGE, PAGE, Position, ReviewStore, belongs_in_queue
from topics import catalogue
from topics.codec import encode
from topics.models import REQUEST_ID_HEADER, STORED_HEADER, Result, Status

log = structlog.get_logger()
router = APIRouter(tags=["reviews"])


class ReviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    data: dict[str, Any] = Field(default_factory=dict,
                                 description="corrected values by field; others stay as they are")
    approve: bool = Field(default=True, description="false saves the corrections, still pending")


class QueueItem(BaseModel):
    id: str
    schema_: str = Field(alias="schema")
    filename: str | None = Field(description="the uploaded file's name (a split part's: its "
                                             "parent's)")
    created_at: str
    fields: list[str]
    parent_id: str | None = Field(description="a split part's `schema=auto` document, else null")
    page_range: tuple[int, int] | None = Field(
        description="a split part's [first, last] pages of its parent, 1-based, else null")
    title: str = Field(description='what people see: "scan.pdf", "scan.pdf · pages 3–4", '
                                   '"scan.pdf · p. 3"')


class Queue(BaseModel):
    items: list[QueueItem]
    total: int = Field(description="documents waiting for review, on every page")
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on "
                                                "the last page")


def review_store(edge: Edge) -> ReviewStore:
    return ReviewStore(edge.redis, edge.settings.result_ttl_seconds)


MAX_CURSOR = 200  # a cursor is a score and an id, base64url
CURSOR = "an earlier page's `next_cursor`: the page after it (omit for the first page)"


@router.get("/v1/reviews", responses=ERRORS(401, 422, 429, 503), response_model=Queue,
            response_model_by_alias=True)
async def review_queue(tenant: TenantDep, edge: EdgeDep,
                       state: Literal["pending"] = Query("pending"),
                       limit: int = Query(PAGE, ge=1, le=MAX_PAGE),
                       cursor: str | None = Query(None, max_length=MAX_CURSOR,
                                                  pattern=r"^[A-Za-z0-9_-]+$",
                                                  description=CURSOR)) -> dict[str, Any]:
    """The tenant's documents awaiting a person, oldest first, `limit` at a time. A
    `schema=auto` document is never listed: its children are, each titled by its parent's file
    and its pages. Reviewing documents between pages neither skips nor repeats any."""
    reviews = review_store(edge)
    after = read_cursor(cursor) if cursor else None
    found: list[tuple[Position, Result]] = []
    while True:  # one more than asked: whether a next page exists; expired entries are skipped
        want = limit + 1 - len(found)
        page = await reviews.pending(tenant, want, after)
        live, gone = await resolve(edge, tenant, page.entries)
        await reviews.forget(tenant, gone)
        found += live
        if len(page.entries) < want or len(found) > limit:
            break
        after = page.entries[-1]
    shown = found[:limit]
    names = await reviews.filenames([r.parent_id or r.id for _, r in shown])
    return {"items": [queue_item(result, filename)
                      for (_, result), filename in zip(shown, names, strict=True)],
            "total": max(0, page.total - len(gone)),
            "next_cursor": make_cursor(shown[-1][0]) if len(found) > limit else None}


async def resolve(edge: Edge, tenant: str,
                  entries: list[Position]) -> tuple[list[tuple[Position, Result]], list[str]]:
    """The entries' pending results, and the ids of entries to forget: expired, reviewed
    meanwhile, or a parent queued by an older API."""
    if not entries:
        return [], []
    async with edge.redis.pipeline(transaction=False) as pipe:
        for entry in entries:
            pipe.hget(record_key(entry.doc_id), "json")
        raws = await pipe.execute()
    live, gone = [], []
    for entry, raw in zip(entries, raws, strict=True):
        result = Result.model_validate_json(raw) if raw else None
        if result is None or result.tenant != tenant or not belongs_in_queue(result):
            gone.append(entry.doc_id)
        else:
            live.append((entry, result))
    return live, gone


def make_cursor(at: Position) -> str:
    """Opaque to clients: the last listed entry's score and id, base64url without padding."""
    return base64.urlsafe_b64encode(f"{at.score!r} {at.doc_id}".encode()).decode().rstrip("=")


def read_cursor(cursor: str) -> Position:
    try:
        score, _, doc_id = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode(
            ).partition(" ")
        at = Position(float(score), doc_id)
    except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
        at = Position(math.nan, "")
    if not math.isfinite(at.score) or not at.doc_id:
        raise InvalidRequest("cursor: not a next_cursor this API gave")
    return at


def queue_item(result: Result, filename: str | None) -> dict[str, Any]:
    return {"id": result.id, "schema": result.schema_name, "filename": filename,
            "created_at": result.created_at.isoformat(), "fields": result.review.fields,
            "parent_id": result.parent_id, "page_range": result.page_range,
            "title": title(result, filename)}


def title(result: Result, filename: str | None) -> str:
    """The file's name; a split part's adds its pages of that file ("p. 3", "pages 3–4")."""
    if result.parent_id is None or result.page_range is None:
        return filename or result.id
    first, last = result.page_range
    pages = f"p. {first}" if first == last else f"pages {first}–{last}"
    return f"{filename or result.parent_id} · {pages}"


REVIEW_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": ReviewRequest.model_json_schema()}}}}


@router.post("/v1/documents/{doc_id}/review", responses=ERRORS(401, 404, 422, 429, 503),
             openapi_extra=REVIEW_BODY)
async def review_document(doc: DocumentDep, edge: EdgeDep, request: Request) -> Any:
    """Approve the result, with corrections: stored and published as version + 1."""
    try:  # parsed here: a body that is not JSON is a 422 like every other bad request
        body = ReviewRequest.model_validate_json(await request.body())
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise InvalidRequest(f"{where}: {first['msg']}") from None
    if doc.status is not Status.completed:
        raise InvalidRequest(f"only a completed document can be reviewed (it is {doc.status})")
    schema = await edge.schemas.get(doc.tenant, doc.schema_name)
    if problems := check_corrections(schema, body.data):
        listed = "; ".join(f"{name}: {why}" for name, why in problems.items())
        return JSONResponse(status_code=422, content={"error": {
            "code": "invalid_request", "message": f"corrections do not fit the schema: {listed}",
            "request_id": request.state.request_id, "fields": problems}})
    changed = sorted(k for k, v in body.data.items() if doc.data.get(k) != v)
    result = reviewed(doc, body, changed)
    await publish_reviewed(edge, result, request.state.request_id)
    if body.approve:
        count_fields(edge, schema.name, list(schema.fields), changed)
        if doc.parent_id:
            await settle_parent_review(edge, doc.parent_id, request.state.request_id)
    # The audit line: who (key id, never the key) changed which fields (never the values).
    log.info("review.audit", request_id=request.state.request_id, tenant=doc.tenant,
             key_id=KeyRing.key_id(request.headers.get("x-api-key")), document_id=doc.id,
             schema=doc.schema_name, version=result.version, state=result.review.state,
             fields_changed=changed)
    return result.public()


async def publish_reviewed(edge: Edge, result: Result, request_id: str) -> None:
    await edge.results.write(result, force=True)  # the record is final: only a forced write lands
    topic = catalogue.name(catalogue.RESULTS, edge.settings.topic_prefix)
    # Marked stored: the store agent must not write it again (nor could: the record is final).
    await edge.publisher.publish(topic, result.id, encode(result),
                                 {REQUEST_ID_HEADER: request_id, STORED_HEADER: "1"})


async def settle_parent_review(edge: Edge, parent_id: str, request_id: str) -> None:
    """A split parent waits for a person only while one of its parts does: once the last part
    is approved, its review is approved too (as a new version), so no consumer waits on it."""
    parent = await edge.results.get(parent_id)
    if parent is None or parent.review.state != "pending" or not parent.children:
        return
    parts = await asyncio.gather(*(edge.results.get(c) for c in parent.children))
    if any(p is not None and p.review.state == "pending" for p in parts):
        return
    await publish_reviewed(edge, parent.model_copy(update={
        "review": parent.review.model_copy(update={"state": "approved"}),
        "version": parent.version + 1}), request_id)


def reviewed(doc: Result, body: ReviewRequest, changed: list[str]) -> Result:
    """The next version: corrected values count as certain; the rest keep their scores."""
    was_corrected = doc.review.state == "corrected"
    if not body.approve:
        state = "pending"
    else:
        state = "corrected" if changed or was_corrected else "approved"
    return doc.model_copy(update={
        "data": {**doc.data, **body.data},
        "confidence": {**doc.confidence, **{name: 1.0 for name in changed}},
        "review": doc.review.model_copy(update={"state": state}),
        "version": doc.version + 1,
    })


def count_fields(edge: Edge, schema: str, fields: list[str], changed: list[str]) -> None:
    for name in fields:
        counter = (edge.metrics.review_fields_corrected if name in changed
                   else edge.metrics.review_fields_approved)
        counter.labels(schema, name).inc()

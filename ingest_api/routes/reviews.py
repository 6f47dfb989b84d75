"""People in the loop: the tenant's review queue, and approving or correcting a result."""

from __future__ import annotations

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
from stores.reviews import ReviewStore, belongs_in_queue
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


def review_store(edge: Edge) -> ReviewStore:
    return ReviewStore(edge.redis, edge.settings.result_ttl_seconds)


@router.get("/v1/reviews", responses=ERRORS(401, 429, 503), response_model=Queue,
            response_model_by_alias=True)
async def review_queue(tenant: TenantDep, edge: EdgeDep,
                       state: Literal["pending"] = Query("pending")) -> dict[str, Any]:
    """The tenant's documents awaiting a person, oldest first. A `schema=auto` document is
    never listed: its children are, each titled by its parent's file and its pages."""
    reviews = review_store(edge)
    ids = await reviews.pending_ids(tenant)
    if not ids:
        return {"items": []}
    async with edge.redis.pipeline(transaction=False) as pipe:
        for doc_id in ids:
            pipe.hget(record_key(doc_id), "json")
        raws = await pipe.execute()
    pending, gone = [], []
    for doc_id, raw in zip(ids, raws, strict=True):
        result = Result.model_validate_json(raw) if raw else None
        if result is None or result.tenant != tenant or not belongs_in_queue(result):
            gone.append(doc_id)  # expired, reviewed meanwhile, or a parent queued by an older API
        else:
            pending.append(result)
    names = await reviews.filenames([r.parent_id or r.id for r in pending])
    await reviews.forget(tenant, gone)
    return {"items": [queue_item(result, filename)
                      for result, filename in zip(pending, names, strict=True)]}


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
    await edge.results.write(result, force=True)  # the record is final: only a forced write lands
    topic = catalogue.name(catalogue.RESULTS, edge.settings.topic_prefix)
    # Marked stored: the store agent must not write it again (nor could: the record is final).
    await edge.publisher.publish(topic, doc.id, encode(result),
                                 {REQUEST_ID_HEADER: request.state.request_id, STORED_HEADER: "1"})
    if body.approve:
        count_fields(edge, schema.name, list(schema.fields), changed)
    # The audit line: who (key id, never the key) changed which fields (never the values).
    log.info("review.audit", request_id=request.state.request_id, tenant=doc.tenant,
             key_id=KeyRing.key_id(request.headers.get("x-api-key")), document_id=doc.id,
             schema=doc.schema_name, version=result.version, state=result.review.state,
             fields_changed=changed)
    return result.public()


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

"""Parents and children of `schema=auto` (plain functions; the agents call them).

A split document (the parent) becomes one child document per part. Child ids derive from the
parent id and the page range, so a redelivered split makes the same children again, and the
result store's guarded write keeps each child's final record once. The parent completes when
its last child is final: `settle` runs for every final child result and completes the parent
at most once (the store's guard), publishing it again only on a redelivery.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Sequence

from redis.asyncio import Redis

from config.schemas import OTHER, SchemaDef
from stores.blobs import pages_key
from stores.protocols import ResultStore
from streams.classify import PagePart
from streams.document import Page
from topics.models import Classification, Prepared, Result, Review, Status, utcnow

MAX_ID = 128  # topics.models.ID_PATTERN


def child_id(parent: str, first: int, last: int) -> str:
    """The same parent and pages give the same id, on every delivery and every worker."""
    suffix = f"-p{first}-{last}"
    if len(parent) + len(suffix) > MAX_ID:
        parent = f"{parent[:80]}-{hashlib.sha256(parent.encode()).hexdigest()[:16]}"
    return parent + suffix


def summary(parts: Sequence[PagePart], method: str) -> Classification:
    """The parent's confidence: its least sure part."""
    return Classification(confidence=min((p.confidence for p in parts), default=1.0),
                          boundary_confidence=min((p.boundary_confidence for p in parts),
                                                  default=1.0), method=method)


def needs_review(review: Review, classification: Classification | None,
                 threshold: float) -> Review:
    """A part whose type or page range is uncertain waits for a person, like a weak value."""
    if classification is None:
        return review
    weak = [name for name, value in (("schema", classification.confidence),
                                     ("page_range", classification.boundary_confidence))
            if value < threshold]
    if not weak:
        return review
    state = review.state if review.state != "none" else "pending"
    return review.model_copy(update={"required": True, "state": state,
                                     "fields": [*weak, *review.fields],
                                     "reasons": dict.fromkeys(weak, "split_unsure")
                                     | review.reasons})


def child_pages(pages: list[Page], part: PagePart) -> list[Page]:
    """The part's pages, numbered from 1 as in a document of their own."""
    return [pages[n - 1].model_copy(update={"number": i})
            for i, n in enumerate(part.pages, start=1)]


def child_message(doc: Prepared, part: PagePart, schema: SchemaDef, pages: list[Page],
                  method: str, timings: dict[str, float]) -> Prepared:
    cid = child_id(doc.id, part.first, part.last)
    return Prepared(
        id=cid, tenant=doc.tenant, schema=schema.name, schema_def=schema,
        filename=f"{doc.filename[:200]} (pages {part.first}-{part.last})",
        content_type=doc.content_type, pages_blob=pages_key(cid),
        image_blobs=[p.image_blob for p in pages if p.image_blob], page_count=len(pages),
        submitted_at=doc.submitted_at, timings_ms=timings, parent_id=doc.id,
        page_range=(part.first, part.last), classification=_of(part, method))


def other_result(doc: Prepared, part: PagePart, method: str) -> Result:
    """A part no schema fits: kept as a child, completed without extraction."""
    return Result(id=child_id(doc.id, part.first, part.last), tenant=doc.tenant, schema=OTHER,
                  status=Status.completed, pages=len(part.pages), created_at=doc.submitted_at,
                  completed_at=utcnow(), parent_id=doc.id, page_range=(part.first, part.last),
                  classification=_of(part, method), provider=method)


def queued_child(message: Prepared) -> Result:
    return Result(id=message.id, tenant=message.tenant, schema=message.schema_name,
                  status=Status.queued, pages=message.page_count,
                  created_at=message.submitted_at, parent_id=message.parent_id,
                  page_range=message.page_range, classification=message.classification)


def _of(part: PagePart, method: str) -> Classification:
    return Classification(confidence=part.confidence,
                          boundary_confidence=part.boundary_confidence, method=method)


def settle_key(parent: str) -> str:
    return f"split:{parent}:final"


async def settle(results: ResultStore, redis: Redis, child: Result, *, ttl: int,
                 threshold: float) -> Result | None:
    """After a child became final: the parent's final record when this completed it (or when a
    redelivery finds it completed: its publish may have been cut short); else None."""
    assert child.parent_id is not None
    async with redis.pipeline(transaction=True) as pipe:
        pipe.sadd(settle_key(child.parent_id), child.id)
        pipe.expire(settle_key(child.parent_id), ttl)
        first_time = bool((await pipe.execute())[0])
    parent = await results.get(child.parent_id)
    if parent is None or parent.status.final:
        seen_again = parent is not None and parent.status is Status.completed and not first_time
        return parent if seen_again else None
    return await complete_if_done(results, parent, threshold=threshold, announce=True)


async def complete_if_done(results: ResultStore, parent: Result, *, threshold: float,
                           announce: bool = False) -> Result | None:
    """The parent's final record if every child is final and this call wrote it; else None
    (with `announce`, the unchanged parent is written again: its events show progress)."""
    if not parent.children:
        return None  # not split yet, or being split again after a redelivery
    kids = await asyncio.gather(*(results.get(c) for c in parent.children))
    if not all(k is not None and k.status.final for k in kids):
        if announce:
            await results.write(parent)
        return None
    done = utcnow()
    final = parent.model_copy(update={
        "status": Status.completed, "completed_at": done,
        "review": needs_review(parent.review, parent.classification, threshold),
        "timings_ms": {**parent.timings_ms,
                       "total": round((done - parent.created_at).total_seconds() * 1000, 1)},
    })
    return final if await results.write(final) else None


Erase = Callable[[str], Awaitable[None]]


async def cancel_children(results: ResultStore, parent: Result, erase: Erase) -> None:
    """A parent cancelled while its children were being published: cancel them as well."""
    for cid in parent.children or []:
        current = await results.get(cid)
        if current is not None and current.status is not Status.cancelled:
            await results.write(current.model_copy(update={"status": Status.cancelled,
                                                           "data": {}}), force=True)
        await erase(cid)

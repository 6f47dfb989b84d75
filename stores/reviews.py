"""Page previews and each tenant's queue of documents awaiting review, in Redis.

Previews and queue entries follow the document's result record: written with the record's
TTL, re-armed by every write that concerns review, and erased with the tombstone of a DELETE.
A record whose review is pending is kept `REVIEW_HOLD_SECONDS` (or RESULT_TTL_SECONDS, if
longer) so that a person has time to look; once reviewed, RESULT_TTL_SECONDS again.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

from redis.asyncio import Redis

from config.schemas import AUTO
from topics.models import Result, Status

REVIEW_HOLD_SECONDS = 7 * 86400  # the cap: an unreviewed document is not kept longer
PAGE = 50  # entries in one page of the queue when the reader does not say
MAX_PAGE = 200  # the most a reader may ask for at once; the oldest come first
FILENAME = "filename"  # the preview hash's one field that is not a page number


def preview_key(doc_id: str) -> str:
    """A hash, page number -> JPEG (and the filename); outside the `blobs:` index, so the store
    agent's erasing of a completed document's bytes keeps it."""
    return f"preview:{doc_id}"


def queue_key(tenant: str) -> str:
    return f"reviews:{tenant}"


def _record_key(doc_id: str) -> str:
    return f"doc:{doc_id}"  # stores.results.record_key; not imported, results imports us


def concerns_review(result: Result) -> bool:
    """Writes that change the queue or the previews' lifetime (the pipeline's others do not)."""
    return result.review.state != "none" or result.status is Status.cancelled


def is_pending(result: Result) -> bool:
    return (result.status is Status.completed and result.review.required
            and result.review.state == "pending")


def is_split_parent(result: Result) -> bool:
    """A `schema=auto` document: it has no data of its own; people review its children."""
    return result.children is not None or result.schema_name == AUTO.name


def belongs_in_queue(result: Result) -> bool:
    """Pending review, and not a split parent (its pending state sums up its children's)."""
    return is_pending(result) and not is_split_parent(result)


@dataclass(frozen=True)
class Position:
    """Where an entry is in its queue: ordered by score (its document's `created_at`), then id."""

    score: float
    doc_id: str

    @property
    def key(self) -> bytes:
        return self.doc_id.encode()  # Redis orders equal scores by the members' bytes


@dataclass(frozen=True)
class QueuePage:
    entries: list[Position]
    total: int  # every entry in the queue, this page's and the others


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class ReviewStore:
    def __init__(self, redis: Redis, ttl: int, hold: int = REVIEW_HOLD_SECONDS) -> None:
        self.redis = redis  # decode_responses=False: previews are bytes
        self.ttl = ttl
        self.hold = max(hold, ttl)

    async def put_previews(self, tenant: str, doc_id: str, previews: Mapping[int, bytes],
                           filename: str) -> None:
        """Page JPEGs, and the file's name for the queue (the result record has none)."""
        key = preview_key(doc_id)
        fields: dict[str, bytes | str] = {str(n): d for n, d in previews.items()}
        fields[FILENAME] = filename
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=fields)  # type: ignore[arg-type]
            pipe.expire(key, self.ttl)
            pipe.zscore(queue_key(tenant), doc_id)
            queued = (await pipe.execute())[-1]
        if queued is not None:  # the result (pending review) was written before the previews
            await self.redis.expire(key, self.hold)

    async def preview(self, doc_id: str, page: int) -> bytes | None:
        data = await self.redis.hget(preview_key(doc_id), str(page))  # type: ignore[misc]
        return data.encode() if isinstance(data, str) else data

    async def page(self, doc: Result, n: int) -> bytes | None:
        """Page `n` of `doc` as people see it. A part split from a `schema=auto` document has no
        previews of its own: its pages are its parent's, counted from the part's first page."""
        if doc.parent_id is None or doc.page_range is None:
            return await self.preview(doc.id, n)
        first, last = doc.page_range
        return await self.preview(doc.parent_id, first + n - 1) if first + n - 1 <= last else None

    async def filenames(self, doc_ids: list[str]) -> list[str | None]:
        """The uploaded file's name of each document (give a split part's parent id)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for doc_id in doc_ids:
                pipe.hget(preview_key(doc_id), FILENAME)
            found = await pipe.execute()
        return [None if f is None else _text(f) for f in found]

    async def track(self, result: Result) -> None:
        """After a write of `result`: queue entry, record and preview lifetimes to match."""
        queue, previews = queue_key(result.tenant), preview_key(result.id)
        async with self.redis.pipeline(transaction=True) as pipe:
            if result.status is Status.cancelled:
                pipe.delete(previews)
                pipe.zrem(queue, result.id)
            elif is_split_parent(result):
                # Never queued; its previews are its children's pages, held by their entries.
                pipe.zrem(queue, result.id)
            elif is_pending(result):
                pipe.expire(_record_key(result.id), self.hold)
                pipe.expire(previews, self.hold)
                if result.parent_id:  # a split part shows its parent's pages
                    pipe.expire(preview_key(result.parent_id), self.hold)
                pipe.zadd(queue, {result.id: result.created_at.timestamp()})
                pipe.expire(queue, self.hold)
            else:
                pipe.zrem(queue, result.id)
                pipe.expire(previews, self.ttl)
            await pipe.execute()

    async def pending(self, tenant: str, count: int = PAGE,
                      after: Position | None = None) -> QueuePage:
        """Up to `count` entries of the tenant's queue, oldest first, after `after` (an entry's
        position: its score and id; it need not be queued any more); entries older than the hold
        are dropped first. Positions hold while entries come and go, where offsets would shift."""
        queue = queue_key(tenant)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.zremrangebyscore(queue, "-inf", time.time() - self.hold)
            pipe.zcard(queue)
            if after is None:
                pipe.zrange(queue, 0, count - 1, withscores=True)
            else:  # equal scores are ordered by id: those of `after`'s score come first
                pipe.zrangebyscore(queue, after.score, after.score, withscores=True)
                pipe.zrangebyscore(queue, f"({after.score!r}", "+inf", start=0, num=count,
                                   withscores=True)
            _, total, *found = await pipe.execute()
        rows = [Position(score, _text(i)) for part in found for i, score in part]
        if after is not None:
            rows = [r for r in rows if r.score > after.score or r.key > after.key]
        return QueuePage(rows[:count], total)

    async def forget(self, tenant: str, doc_ids: list[str]) -> None:
        """Queue entries whose record is gone (expired): dropped when a reader finds them."""
        if doc_ids:
            await self.redis.zrem(queue_key(tenant), *doc_ids)

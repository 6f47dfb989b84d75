"""The review queue on a real Redis: a `schema=auto` parent is never queued, its parts are;
the queue is read a page at a time, oldest first."""

from __future__ import annotations

import time
import uuid

import pytest
from redis.asyncio import Redis

from stores.results import RedisResultStore
from stores.reviews import (
    REVIEW_HOLD_SECONDS,
    Position,
    ReviewStore,
    preview_key,
    queue_key,
)
from topics.models import Result, Review, Status

pytestmark = pytest.mark.integration
TTL = 600


@pytest.fixture
async def redis(redis_url):
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


def pending(**fields) -> Result:
    review = Review(required=True, state="pending", fields=["schema"])
    return Result(status=Status.completed, review=review, **fields)


async def test_a_pending_parent_stays_out_of_the_queue_and_keeps_its_parts_pages(redis):
    tenant, parent_id = f"t{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    child_id = f"{parent_id}-p3-4"
    results = RedisResultStore(redis, TTL)
    await results.reviews.put_previews(tenant, parent_id, {1: b"a", 3: b"c", 4: b"d"}, "scan.pdf")
    child = pending(id=child_id, tenant=tenant, schema="invoice", parent_id=parent_id,
                    page_range=(3, 4))
    assert await results.write(child)
    assert await redis.ttl(preview_key(parent_id)) > TTL  # held for the part's review
    parent = pending(id=parent_id, tenant=tenant, schema="auto", children=[child_id])
    await redis.zadd(queue_key(tenant), {parent_id: 1e12})  # as an older worker queued it
    assert await results.write(parent)
    assert [e.doc_id for e in (await results.reviews.pending(tenant)).entries] == [child_id]
    assert await redis.ttl(preview_key(parent_id)) > TTL  # not cut short by the parent's write
    assert await results.reviews.page(child, 1) == b"c"
    assert await results.reviews.filenames([child.parent_id]) == ["scan.pdf"]
    await redis.delete(queue_key(tenant), preview_key(parent_id), f"doc:{parent_id}",
                       f"doc:{child_id}")


async def test_pages_follow_the_queue_order_through_equal_scores_and_entries_that_leave(redis):
    tenant = f"t{uuid.uuid4().hex[:8]}"
    reviews = ReviewStore(redis, TTL)
    now = time.time()
    # Parts of one split share their parent's created_at: their order is their ids'.
    scores = {"a": now - 30, "b1": now - 20, "b2": now - 20, "b3": now - 20, "c": now - 10,
              "d": now, "stale": now - REVIEW_HOLD_SECONDS - 60}
    await redis.zadd(queue_key(tenant), scores)
    first = await reviews.pending(tenant, 2)
    assert [e.doc_id for e in first.entries] == ["a", "b1"]
    assert first.total == 6  # the entry older than the hold is dropped
    await redis.zrem(queue_key(tenant), "b1", "a")  # reviewed while the page was shown
    second = await reviews.pending(tenant, 2, first.entries[-1])
    assert [e.doc_id for e in second.entries] == ["b2", "b3"] and second.total == 4
    third = await reviews.pending(tenant, 2, second.entries[-1])
    assert [e.doc_id for e in third.entries] == ["c", "d"]
    assert (await reviews.pending(tenant, 2, third.entries[-1])).entries == []
    # A position between two entries (its entry gone) starts right after it.
    after = await reviews.pending(tenant, 5, Position(now - 20, "b25"))
    assert [e.doc_id for e in after.entries] == ["b3", "c", "d"]
    await redis.delete(queue_key(tenant))

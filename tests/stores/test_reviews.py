"""The review queue on a real Redis: a `schema=auto` parent is never queued, its parts are."""

from __future__ import annotations

import uuid

import pytest
from redis.asyncio import Redis

from stores.results import RedisResultStore
from stores.reviews import preview_key, queue_key
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
    assert await results.reviews.pending_ids(tenant) == [child_id]
    assert await redis.ttl(preview_key(parent_id)) > TTL  # not cut short by the parent's write
    assert await results.reviews.page(child, 1) == b"c"
    assert await results.reviews.filenames([child.parent_id]) == ["scan.pdf"]
    await redis.delete(queue_key(tenant), preview_key(parent_id), f"doc:{parent_id}",
                       f"doc:{child_id}")

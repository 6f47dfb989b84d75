"""The Redis result store on a real Redis: guarded writes, duplicates, the change stream."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from redis.asyncio import Redis

from stores import open_stores
from topics.models import Result, Status

pytestmark = pytest.mark.integration


@pytest.fixture
async def stores(settings):
    opened = open_stores(settings)
    yield opened
    await opened.aclose()


def record(status: Status = Status.queued, **extra) -> Result:
    return Result(id=uuid.uuid4().hex, tenant="acme", schema="invoice", status=status, **extra)


async def test_a_final_record_is_never_overwritten_unless_forced(stores):
    done = record(Status.completed, data={"total": "1.00"})
    assert await stores.results.write(done)
    late = done.model_copy(update={"status": Status.extracting})
    assert not await stores.results.write(late)
    assert (await stores.results.get(done.id)).status is Status.completed
    assert await stores.results.advance(late, Status.extracting) is None
    cancelled = done.model_copy(update={"status": Status.cancelled})
    assert await stores.results.write(cancelled, force=True)
    assert (await stores.results.get(done.id)).status is Status.cancelled


async def test_open_finds_a_live_duplicate_only(stores):
    fingerprint = f"acme:{uuid.uuid4().hex}:invoice"
    first = record()
    assert await stores.results.open(first, fingerprint) is None
    await stores.results.remember(fingerprint, first.id)
    assert (await stores.results.open(record(), fingerprint)).id == first.id
    await stores.results.write(first.model_copy(update={"status": Status.failed}), force=True)
    assert await stores.results.open(record(), fingerprint) is None  # failed: upload again


async def test_changes_yield_each_write_until_final(stores):
    doc = record()
    await stores.results.write(doc)
    seen: list[str] = []

    async def follow() -> None:
        async for current in stores.results.changes(doc.id, keepalive=5):
            if current is not None:
                seen.append(current.status.value)

    reader = asyncio.create_task(follow())
    await asyncio.sleep(0.3)
    for status in (Status.preprocessing, Status.extracting, Status.completed):
        await stores.results.write(doc.model_copy(update={"status": status}))
    await asyncio.wait_for(reader, 10)
    assert seen == ["queued", "preprocessing", "extracting", "completed"]


async def test_blobs_of_a_document_are_erased_together(stores, settings):
    doc_id = uuid.uuid4().hex
    await stores.blobs.put(doc_id, {f"blob:{doc_id}:a": b"1", f"blob:{doc_id}:b": b"2"}, 60)
    assert await stores.blobs.get_many([f"blob:{doc_id}:a", f"blob:{doc_id}:x"]) == [b"1", None]
    assert await stores.blobs.delete_document(doc_id) == 3  # two blobs and their index
    redis = Redis.from_url(settings.redis_url)
    try:
        assert await redis.exists(f"blob:{doc_id}:a", f"blob:{doc_id}:b") == 0
    finally:
        await redis.aclose()

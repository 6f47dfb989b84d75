"""The extract stage's two writes (store, then topic): redelivery between them, and the store
agent after them."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from aiokafka import AIOKafkaConsumer
from redis.asyncio import Redis

from config.schemas import BUILTIN
from stores.blobs import RedisBlobStore, source_key
from stores.results import RedisResultStore
from tests.helpers import dead_letters, make_topics, produce, wait_consumed
from topics import catalogue
from topics.codec import encode
from topics.models import STORED_HEADER, Prepared, Result, Status, Submitted, utcnow

pytestmark = pytest.mark.integration


def _results_for(settings, doc_id: str, timeout: float = 30) -> list[Result]:
    async def run() -> list[Result]:
        consumer = AIOKafkaConsumer(
            catalogue.name(catalogue.RESULTS, settings.topic_prefix),
            bootstrap_servers=settings.kafka_bootstrap_servers, auto_offset_reset="earliest",
            group_id=f"{settings.worker_group}-check")
        await consumer.start()
        found: list[Result] = []
        try:
            async with asyncio.timeout(timeout):
                async for record in consumer:
                    if record.key == doc_id.encode():
                        found.append(Result.model_validate_json(record.value))
                        return found
        finally:
            await consumer.stop()
        return found

    return asyncio.run(run())


def _store(settings, doc_id: str, status: Status = Status.completed) -> None:
    async def run() -> None:
        redis = Redis.from_url(settings.redis_url)
        try:
            await RedisResultStore(redis, 600).write(Result(
                id=doc_id, schema="invoice", status=status, data={"total": "9.99"}), force=True)
            await RedisBlobStore(redis).put(doc_id, {source_key(doc_id): b"%PDF-1.7"}, 600)
        finally:
            await redis.aclose()

    asyncio.run(run())


def _stored_state(settings, doc_id: str) -> tuple[str | None, bool]:
    """(the record's status, whether the document's source blob is still there)."""
    async def run() -> tuple[str | None, bool]:
        redis = Redis.from_url(settings.redis_url)
        try:
            record = await RedisResultStore(redis, 600).get(doc_id)
            return (record.status.value if record else None,
                    await redis.exists(source_key(doc_id)) == 1)
        finally:
            await redis.aclose()

    return asyncio.run(run())


def test_completed_document_redelivered_is_published_again(settings, spawn):
    """Stored as completed but (as if killed) never on the results topic: a redelivered
    documents.prepared message must put it there, without extracting again."""
    make_topics(settings)
    doc_id = f"redelivered-{uuid.uuid4().hex[:8]}"
    _store(settings, doc_id)
    prepared = Prepared(id=doc_id, schema="invoice", schema_def=BUILTIN["invoice"],
                        filename="a.pdf", content_type="application/pdf",
                        pages_blob="blob:never-read:pages", page_count=1, submitted_at=utcnow())
    produce(settings, catalogue.PREPARED, [(doc_id.encode(), encode(prepared), {})])
    spawn(settings, "worker")
    [result] = _results_for(settings, doc_id)
    assert result.status == Status.completed and result.data == {"total": "9.99"}


def test_the_store_agent_does_not_write_a_result_its_sender_stored(settings, spawn):
    """A result marked as stored (the extract stage wrote it before publishing it) is not sent
    to Redis again; an unmarked one is written. Both documents' bytes are deleted."""
    make_topics(settings)
    marked, unmarked = (f"stored-{uuid.uuid4().hex[:8]}" for _ in range(2))
    for doc_id in (marked, unmarked):  # live records: a write of the final result would land
        _store(settings, doc_id, Status.extracting)
    produce(settings, catalogue.RESULTS, [
        (doc_id.encode(), encode(Result(id=doc_id, schema="invoice", status=Status.completed)),
         headers) for doc_id, headers in ((marked, {STORED_HEADER: b"1"}), (unmarked, {}))])
    spawn(settings, "worker")
    deadline = time.monotonic() + 60
    while any(_stored_state(settings, d)[1] for d in (marked, unmarked)):
        assert time.monotonic() < deadline, "the store agent did not handle both results"
        time.sleep(0.2)
    assert _stored_state(settings, marked) == ("extracting", False)
    assert _stored_state(settings, unmarked) == ("completed", False)


def test_a_completed_document_redelivered_without_its_bytes_is_skipped(settings, spawn):
    """After a crash, documents.submitted may redeliver a document already done, whose bytes
    the store agent erased: it is skipped, not dead-lettered as blob_missing."""
    make_topics(settings)
    doc_id = f"done-{uuid.uuid4().hex[:8]}"
    _store(settings, doc_id)
    _erase_bytes(settings, doc_id)
    produce(settings, catalogue.SUBMITTED,
            [(doc_id.encode(), submitted_by_reference(doc_id), {})])
    spawn(settings, "worker")
    wait_consumed(settings, catalogue.SUBMITTED)
    assert dead_letters(settings, catalogue.SUBMITTED) == []
    assert _stored_state(settings, doc_id) == ("completed", False)


def submitted_by_reference(doc_id: str) -> bytes:
    return encode(Submitted(id=doc_id, schema="invoice", content_type="application/pdf",
                            blob=source_key(doc_id)))


def _erase_bytes(settings, doc_id: str) -> None:
    async def run() -> None:
        redis = Redis.from_url(settings.redis_url)
        try:
            await RedisBlobStore(redis).delete_document(doc_id)
        finally:
            await redis.aclose()

    asyncio.run(run())

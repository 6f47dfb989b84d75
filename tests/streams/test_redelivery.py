"""Redelivery after a crash between the extract stage's two writes (topic and store)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaConsumer

from config.schemas import BUILTIN
from streams.resultstore import ResultStore
from tests.helpers import make_topics, produce
from topics import catalogue
from topics.codec import encode
from topics.models import Prepared, Result, Status, utcnow

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


def _store_completed(settings, doc_id: str) -> None:
    from redis.asyncio import Redis

    async def run() -> None:
        redis = Redis.from_url(settings.redis_url)
        try:
            await ResultStore(redis, 600).write(Result(
                id=doc_id, schema="invoice", status=Status.completed, data={"total": "9.99"}))
        finally:
            await redis.aclose()

    asyncio.run(run())


def test_completed_document_redelivered_is_published_again(settings, spawn):
    """Stored as completed but (as if killed) never on the results topic: a redelivered
    documents.prepared message must put it there, without extracting again."""
    make_topics(settings)
    doc_id = f"redelivered-{uuid.uuid4().hex[:8]}"
    _store_completed(settings, doc_id)
    prepared = Prepared(id=doc_id, schema="invoice", schema_def=BUILTIN["invoice"],
                        filename="a.pdf", content_type="application/pdf",
                        pages_blob="blob:never-read:pages", page_count=1, submitted_at=utcnow())
    produce(settings, catalogue.PREPARED, [(doc_id.encode(), encode(prepared), {})])
    spawn(settings, "worker")
    [result] = _results_for(settings, doc_id)
    assert result.status == Status.completed and result.data == {"total": "9.99"}

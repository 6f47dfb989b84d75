"""Read dead letters back, and replay them to the topic they came from, once each."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from redis.asyncio import Redis

from config.settings import Settings
from stores.results import RedisResultStore
from streams.runner import DLQ_PREFIX
from topics import catalogue
from topics.models import Result, Status

REPLAYED = "dlq:replayed"  # set of "topic:partition:offset" already replayed


@dataclass
class DeadLetter:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, bytes]

    def meta(self, name: str) -> str:
        return self.headers.get(DLQ_PREFIX + name, b"").decode(errors="replace")

    @property
    def reason(self) -> str:
        return self.meta("error_code") or "unknown"

    @property
    def failed_at(self) -> datetime | None:
        raw = self.meta("first_failure_at")
        return datetime.fromisoformat(raw) if raw else None

    @property
    def ref(self) -> str:
        return f"{self.topic}:{self.partition}:{self.offset}"


async def read_all(settings: Settings) -> list[DeadLetter]:
    """Every message currently in the DLQ topics, oldest first per partition."""
    dlqs = list(dict.fromkeys(stage.dlq for stage in catalogue.PIPELINE))  # stages share some
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers,
                                enable_auto_commit=False)
    await consumer.start()
    try:
        parts = [TopicPartition(catalogue.name(t, settings.topic_prefix), p)
                 for t in dlqs for p in range(t.partitions)]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ends = await consumer.end_offsets(parts)
        pending = {tp for tp in parts if ends[tp] > 0}
        letters: list[DeadLetter] = []
        while pending:
            batch = await consumer.getmany(*pending, timeout_ms=2000)
            if not batch:
                break
            for tp, records in batch.items():
                for r in records:
                    letters.append(DeadLetter(r.topic, r.partition, r.offset, r.key, r.value,
                                              {k: bytes(v) for k, v in r.headers}))
                if records and records[-1].offset + 1 >= ends[tp]:
                    pending.discard(tp)
        return letters
    finally:
        with contextlib.suppress(asyncio.CancelledError):
            # aiokafka 0.14 can re-raise its own cancelled housekeeping task on stop.
            await consumer.stop()


def summarize(letters: list[DeadLetter]) -> Counter:
    return Counter((d.meta("stage") or "?", d.reason) for d in letters)


async def replay(settings: Settings, letters: list[DeadLetter], redis: Redis) -> int:
    """Re-publish to the original topic; skips letters replayed before. Returns the count."""
    results = RedisResultStore(redis, settings.result_ttl_seconds)
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all",
                                enable_idempotence=True)
    await producer.start()
    count = 0
    try:
        for letter in letters:
            if not await redis.sadd(REPLAYED, letter.ref):
                continue
            doc_id = (letter.key or b"").decode(errors="replace")
            current = await results.get(doc_id) if doc_id else None
            if current is not None and current.status in (Status.failed, Status.queued):
                # Reopen the record so the stages may write a new final result.
                reopened = Result(id=current.id, tenant=current.tenant,
                                  schema=current.schema_name, status=Status.queued,
                                  created_at=current.created_at)
                await results.write(reopened, force=True)
            headers = [(k, v) for k, v in letter.headers.items() if not k.startswith(DLQ_PREFIX)]
            headers.append(("replayed_from", letter.ref.encode()))
            try:
                await producer.send_and_wait(letter.meta("original_topic"), letter.value,
                                             key=letter.key, headers=headers)
            except Exception:
                await redis.srem(REPLAYED, letter.ref)  # not replayed after all: allow a retry
                raise
            count += 1
    finally:
        await producer.stop()
    return count

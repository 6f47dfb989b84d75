"""Documents generated in code for the tests (nothing binary is committed)."""

from __future__ import annotations

import asyncio
import time

import httpx
import pymupdf
from aiokafka import TopicPartition

from topics.admin import create_topics

INVOICE_LINES = [
    "ACME Widgets GmbH",
    "Hauptstrasse 1, 10115 Berlin",
    "",
    "Invoice Number: INV-1001",
    "Invoice Date: 14/03/2026",
    "Bill to: Example Customer Ltd",
    "",
    "Subtotal: 1,037.39 EUR",
    "VAT 19%: 197.11 EUR",
    "Total: 1,234.50 EUR",
]


def invoice_pdf(lines: list[str] | None = None, pages: int = 1) -> bytes:
    doc = pymupdf.open()
    for _ in range(pages):
        page = doc.new_page()
        y = 72
        for line in lines or INVOICE_LINES:
            page.insert_text((72, y), line, fontsize=11)
            y += 18
    return doc.tobytes()


def make_topics(settings) -> None:
    asyncio.run(create_topics(settings))


def wait_final(client: httpx.Client, doc_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    body: dict = {}
    while time.monotonic() < deadline:
        body = client.get(f"/v1/documents/{doc_id}").json()
        if body.get("status") in ("completed", "failed", "cancelled"):
            return body
        time.sleep(0.25)
    raise TimeoutError(f"{doc_id} not final after {timeout} s: {body}")


def produce(settings, spec, messages: list[tuple[bytes | None, bytes, dict[str, bytes]]]) -> None:
    """Publish raw (key, value, headers) messages to a catalogue topic, acks=all."""
    from aiokafka import AIOKafkaProducer

    from topics import catalogue

    async def run() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers,
                                    acks="all")
        await producer.start()
        try:
            topic = catalogue.name(spec, settings.topic_prefix)
            for key, value, headers in messages:
                await producer.send(topic, value, key=key, headers=list(headers.items()))
            await producer.flush()
        finally:
            await producer.stop()

    asyncio.run(run())


def submitted(doc_id: str, pdf: bytes, schema: str = "invoice",
              content_type: str = "application/pdf", **extra) -> bytes:
    """A documents.submitted message carrying a small PDF (or image) inline."""
    import base64

    from topics.codec import encode
    from topics.models import Submitted

    return encode(Submitted(id=doc_id, schema=schema, content_type=content_type,
                            content_b64=base64.b64encode(pdf).decode(), **extra))


def wait_records(redis_url: str, ids: list[str], timeout: float = 180) -> dict[str, dict]:
    """Poll the result store until every id has a final record; returns them."""
    import json

    import redis

    client = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + timeout
    final: dict[str, dict] = {}
    while time.monotonic() < deadline:
        for doc_id in ids:
            if doc_id in final:
                continue
            raw = client.hget(f"doc:{doc_id}", "json")
            record = json.loads(raw) if raw else None
            if record and record["status"] in ("completed", "failed", "cancelled"):
                final[doc_id] = record
        if len(final) == len(ids):
            return final
        time.sleep(0.3)
    missing = [i for i in ids if i not in final]
    raise TimeoutError(f"{len(missing)} of {len(ids)} not final, e.g. {missing[:3]}")


def wait_consumed(settings, spec, timeout: float = 60) -> None:
    """Until the workers' consumer group has committed every message of a catalogue topic."""
    from aiokafka import AIOKafkaConsumer
    from aiokafka.admin import AIOKafkaAdminClient

    from topics import catalogue

    topic = catalogue.name(spec, settings.topic_prefix)
    group = f"{settings.topic_prefix}{settings.worker_group}"

    async def behind(admin, consumer) -> int:
        parts = consumer.partitions_for_topic(topic) or set()
        ends = await consumer.end_offsets([TopicPartition(topic, p) for p in parts])
        done = await admin.list_consumer_group_offsets(group)
        return sum(end - (done[tp].offset if tp in done else 0) for tp, end in ends.items())

    async def run() -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
        consumer = AIOKafkaConsumer(topic, bootstrap_servers=settings.kafka_bootstrap_servers)
        await admin.start()
        await consumer.start()
        try:
            async with asyncio.timeout(timeout):
                while await behind(admin, consumer) > 0:
                    await asyncio.sleep(0.5)
        finally:
            await consumer.stop()
            await admin.close()

    asyncio.run(run())


def dead_letters(settings, spec, timeout: float = 3) -> list[bytes | None]:
    """The keys of every message on a catalogue topic's DLQ (read for `timeout` seconds)."""
    from aiokafka import AIOKafkaConsumer

    from topics import catalogue

    async def run() -> list[bytes | None]:
        consumer = AIOKafkaConsumer(catalogue.name(spec.dlq, settings.topic_prefix),
                                    bootstrap_servers=settings.kafka_bootstrap_servers,
                                    auto_offset_reset="earliest")
        await consumer.start()
        try:
            batches = await consumer.getmany(timeout_ms=int(timeout * 1000))
            return [m.key for messages in batches.values() for m in messages]
        finally:
            await consumer.stop()

    return asyncio.run(run())

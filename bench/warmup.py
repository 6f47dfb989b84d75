"""Warm the broker's JVM before anything is measured, and record what that changed.

A broker that has just started runs its produce and fetch paths in the interpreter until the
JIT has compiled them, which takes many thousands of requests, and until then every ack is
slower. Production brokers run for weeks, so every figure here is taken on a warm one: one
message at a time, each sent with acks=all and read back by a consumer, exactly the
one-at-a-time path, until the budget of messages or seconds is spent. The ack after an idle
gap, before and after, goes into the results.
"""

from __future__ import annotations

import asyncio
import time
from statistics import median

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from bench.stack import StackConfig, delete_topics, make_topics
from bench.stats import r1, r3
from topics import catalogue

PAYLOAD = b"w" * 600  # about the size of a documents.submitted message


async def _acks_after_idle(producer: AIOKafkaProducer, topic: str, n: int) -> float:
    """Median ack (ms) of `n` sends, each after 0.3 s idle, as on the one-at-a-time path."""
    times = []
    for _ in range(n):
        await asyncio.sleep(0.3)
        began = time.perf_counter()
        await producer.send_and_wait(topic, PAYLOAD)
        times.append((time.perf_counter() - began) * 1000)
    return r3(median(times))


async def _drain(consumer: AIOKafkaConsumer, count: list[int]) -> None:
    async for _ in consumer:
        count[0] += 1


async def _run(cfg: StackConfig, messages: int, seconds: float) -> dict:
    topic = catalogue.name(catalogue.SUBMITTED, cfg.prefix)
    producer = AIOKafkaProducer(bootstrap_servers=cfg.kafka, acks="all", enable_idempotence=True,
                                linger_ms=0)
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=cfg.kafka, group_id=f"{cfg.prefix}warm",
                                auto_offset_reset="earliest")
    await producer.start()
    await consumer.start()
    read = [0]
    drain = asyncio.create_task(_drain(consumer, read))
    try:
        before = await _acks_after_idle(producer, topic, 10)
        began, sent = time.perf_counter(), 0
        while sent < messages and time.perf_counter() - began < seconds:
            await producer.send_and_wait(topic, PAYLOAD, key=b"%d" % sent)
            sent += 1
        took = time.perf_counter() - began
        after = await _acks_after_idle(producer, topic, 10)
    finally:
        drain.cancel()
        await asyncio.gather(drain, return_exceptions=True)
        await consumer.stop()
        await producer.stop()
    return {"messages": sent, "read_back": read[0], "wall_s": r1(took),
            "ack_after_idle_ms": {"before": before, "after": after}}


def broker(cfg: StackConfig, messages: int, seconds: float) -> dict:
    """Send up to `messages` one at a time (at most `seconds`); the ack after idle, before/after."""
    make_topics(cfg)
    try:
        return asyncio.run(_run(cfg, messages, seconds))
    finally:
        delete_topics(cfg)

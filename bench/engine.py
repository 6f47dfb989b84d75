"""The raw engine: the same messages through the same three topics with bare aiokafka.

Stage one forwards `documents.submitted` to `documents.prepared`; stage two holds each
message for L under the same concurrency bound (the stand-in for the LLM call) and forwards
it to `documents.results`; a third consumer notes when it arrives. Every send waits for the
broker's ack (acks=all), as the pipeline's stages do. No Faust, no Redis, no HTTP: what is
left is what Kafka itself costs on this machine.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack, suppress

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from bench.stack import StackConfig, make_topics
from bench.stats import latency_summary, r1, r3, steady_rate
from topics import catalogue


class Engine:
    def __init__(self, cfg: StackConfig, latency_ms: float, limit: int) -> None:
        self.cfg, self.delay, self.limit = cfg, latency_ms / 1000, limit
        self.sent: dict[bytes, float] = {}
        self.arrived: dict[bytes, float] = {}
        self._arrival = asyncio.Event()
        self._tasks: set[asyncio.Task] = set()

    def topic(self, spec) -> str:
        return catalogue.name(spec, self.cfg.prefix)

    async def consumer(self, spec, group: str) -> AIOKafkaConsumer:
        consumer = AIOKafkaConsumer(self.topic(spec), bootstrap_servers=self.cfg.kafka,
                                    group_id=f"{self.cfg.prefix}{group}",
                                    auto_offset_reset="earliest")
        await consumer.start()
        deadline = time.monotonic() + 30
        while not consumer.assignment() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return consumer

    async def run(self, stack: AsyncExitStack) -> list[asyncio.Task]:
        self.producer = AIOKafkaProducer(bootstrap_servers=self.cfg.kafka, acks="all")
        await self.producer.start()
        stack.push_async_callback(self.producer.stop)
        first = await self.consumer(catalogue.SUBMITTED, "engine-1")
        second = await self.consumer(catalogue.PREPARED, "engine-2")
        third = await self.consumer(catalogue.RESULTS, "engine-3")
        for consumer in (first, second, third):
            stack.push_async_callback(consumer.stop)
        return [asyncio.create_task(self._forward(first)), asyncio.create_task(self._hold(second)),
                asyncio.create_task(self._collect(third))]

    async def _forward(self, consumer: AIOKafkaConsumer) -> None:
        async for msg in consumer:
            await self.producer.send_and_wait(self.topic(catalogue.PREPARED), msg.value,
                                              key=msg.key)

    async def _hold(self, consumer: AIOKafkaConsumer) -> None:
        slots = asyncio.Semaphore(self.limit)
        async for msg in consumer:
            await slots.acquire()
            task = asyncio.create_task(self._one(msg, slots))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _one(self, msg, slots: asyncio.Semaphore) -> None:
        try:
            await asyncio.sleep(self.delay)
            await self.producer.send_and_wait(self.topic(catalogue.RESULTS), msg.value,
                                              key=msg.key)
        finally:
            slots.release()

    async def _collect(self, consumer: AIOKafkaConsumer) -> None:
        async for msg in consumer:
            self.arrived.setdefault(msg.key, time.perf_counter())
            self._arrival.set()

    async def submit(self, key: bytes, value: bytes) -> None:
        self.sent[key] = time.perf_counter()
        await self.producer.send_and_wait(self.topic(catalogue.SUBMITTED), value, key=key)

    async def wait(self, keys: list[bytes], timeout: float) -> None:
        deadline = time.perf_counter() + timeout
        while any(k not in self.arrived for k in keys) and time.perf_counter() < deadline:
            self._arrival.clear()
            with suppress(TimeoutError):
                await asyncio.wait_for(self._arrival.wait(), 1.0)


async def measure(cfg: StackConfig, messages: list[tuple[bytes, bytes]], sequential: int,
                  latency_ms: float, limit: int) -> dict:
    """Sequential 3-hop latency (minus L) for the first `sequential` messages, then a flood."""
    make_topics_async = asyncio.to_thread(make_topics, cfg)
    await make_topics_async
    engine = Engine(cfg, latency_ms, limit)
    async with AsyncExitStack() as stack:
        tasks = await engine.run(stack)
        try:
            return await _measure(engine, messages, sequential, latency_ms)
        finally:
            for task in [*tasks, *engine._tasks]:
                task.cancel()


async def _measure(engine: Engine, messages: list[tuple[bytes, bytes]], sequential: int,
                   latency_ms: float) -> dict:
    overheads = []
    for key, value in messages[:sequential]:
        await engine.submit(key, value)
        await engine.wait([key], 30)
        overheads.append((engine.arrived[key] - engine.sent[key]) * 1000 - latency_ms)
    flood = messages[sequential:]
    began = time.perf_counter()
    await asyncio.gather(*(engine.submit(k, v) for k, v in flood))
    keys = [k for k, _ in flood]
    await engine.wait(keys, 120)
    done = [engine.arrived[k] for k in keys if k in engine.arrived]
    return {
        "n": len(flood), "arrived": len(done), "docs_per_s": r3(steady_rate(done)),
        "wall_s": r1(max(done, default=began) - began),
        "overhead": latency_summary(overheads[3:] or overheads),
    }

"""The API's Kafka producer: acks=all, idempotent, restarted lazily after a broker outage.

After a failure the publisher answers at once for `cooloff` seconds (503 with Retry-After)
instead of making every upload wait out its own connection timeout.
"""

from __future__ import annotations

import asyncio
import time

import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from config.errors import BrokerUnavailable

log = structlog.get_logger()


class Publisher:
    def __init__(self, bootstrap: str, *, timeout: float = 10.0, cooloff: float = 5.0) -> None:
        self.bootstrap = bootstrap
        self.timeout = timeout
        self.cooloff = cooloff
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()
        self._down_until = 0.0

    def _unavailable(self, message: str) -> BrokerUnavailable:
        self._down_until = time.monotonic() + self.cooloff
        return BrokerUnavailable(message, retry_after=self.cooloff)

    async def _ensure(self) -> AIOKafkaProducer:
        async with self._lock:
            if self._producer is None:
                producer = AIOKafkaProducer(
                    bootstrap_servers=self.bootstrap, acks="all", enable_idempotence=True,
                    request_timeout_ms=int(self.timeout * 1000),
                    linger_ms=0,  # an upload waits for the ack; batches form anyway under load
                )
                try:
                    await asyncio.wait_for(producer.start(), self.timeout)
                except (KafkaError, OSError, TimeoutError) as exc:
                    await producer.stop()
                    raise self._unavailable(f"Kafka is unreachable: {exc!r}") from None
                self._producer = producer
            return self._producer

    async def publish(self, topic: str, key: str, value: bytes | None,
                      headers: dict[str, str]) -> None:
        """Returns once the broker acknowledged the write; BrokerUnavailable otherwise.
        A None value is a tombstone: compaction then erases the key's earlier messages."""
        if (wait := self._down_until - time.monotonic()) > 0:
            raise BrokerUnavailable("Kafka is unreachable; retry shortly",
                                    retry_after=max(1.0, wait))
        producer = await self._ensure()
        try:
            await asyncio.wait_for(
                producer.send_and_wait(
                    topic, value, key=key.encode(),
                    headers=[(k, v.encode()) for k, v in headers.items()],
                ),
                self.timeout,
            )
        except (KafkaError, OSError, TimeoutError) as exc:
            log.warning("publish.failed", error=repr(exc))
            await self.reset()
            raise self._unavailable("Kafka did not acknowledge the document") from None

    async def ready(self) -> bool:
        try:
            producer = await self._ensure()
            await asyncio.wait_for(producer.client.fetch_all_metadata(), 3)
            self._down_until = 0.0  # seen up: uploads need not wait out the cool-off
            return True
        except Exception:
            await self.reset()
            return False

    async def reset(self) -> None:
        async with self._lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            try:
                await asyncio.wait_for(producer.stop(), 5)
            except Exception:  # a dead broker can make stop() itself fail; drop the client
                log.debug("publish.stop_failed")

    async def close(self) -> None:
        await self.reset()

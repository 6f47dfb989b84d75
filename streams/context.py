"""What the agents share in one worker process: clients, stores, the pool and the senders."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from functools import cached_property

import structlog
from redis.asyncio import Redis

from config.errors import ExtractorError
from config.redis_pool import connect
from config.settings import Settings
from stores.blobs import RedisBlobStore
from stores.metrics import Metrics
from stores.results import ResultStore
from stores.schemas import SchemaRegistry
from streams.preprocess import RenderOptions
from streams.runner import Send, StageRunner
from topics import catalogue
from topics.catalogue import TopicSpec
from topics.codec import encode
from topics.models import STORED_HEADER, failed_result

log = structlog.get_logger()


class StageContext:
    def __init__(self, settings: Settings, *, metrics: Metrics | None = None,
                 redis: Redis | None = None, chain=None) -> None:
        self.settings = settings
        self.metrics = metrics or Metrics()
        self.redis = redis or connect(settings, decode_responses=False)
        self.blobs = RedisBlobStore(self.redis)
        self.results = ResultStore(self.redis, settings.result_ttl_seconds)
        self.schemas = SchemaRegistry(self.redis)
        self.render = RenderOptions(settings.pdf_dpi, settings.max_image_dim,
                                    settings.jpeg_quality)
        self._chain = chain
        self.send: Send | None = None  # set by the app once its producer exists

    def topic_name(self, spec: TopicSpec) -> str:
        return catalogue.name(spec, self.settings.topic_prefix)

    @property
    def pool_size(self) -> int:
        return self.settings.preprocess_workers or os.cpu_count() or 1

    @cached_property
    def pool(self) -> ProcessPoolExecutor:
        """CPU work (render, encode, OCR) runs here so Kafka heartbeats never starve."""
        return ProcessPoolExecutor(self.pool_size, mp_context=multiprocessing.get_context("spawn"))

    async def in_pool(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self.pool, fn, *args)

    @property
    def chain(self):
        if self._chain is None:
            from streams.extraction.providers.chain import ProviderChain

            self._chain = ProviderChain(self.settings, self.metrics)
        return self._chain

    def runner(self, stage: str, source: TopicSpec) -> StageRunner:
        s = self.settings
        return StageRunner(
            stage, send=self._send, dlq_topic=self.topic_name(source.dlq),
            mark_failed=lambda doc_id, err: self.mark_failed(doc_id, err, stage),
            metrics=self.metrics, max_attempts=s.stage_max_attempts,
            base_delay=s.retry_base_seconds, max_delay=s.retry_max_seconds,
        )

    async def _send(self, topic: str, key, value, headers) -> None:
        if self.send is None:
            raise RuntimeError("the Faust app sets ctx.send before agents run")
        await self.send(topic, key, value, headers)

    async def publish(self, spec: TopicSpec, key: bytes, value: bytes,
                      headers: dict[str, bytes]) -> None:
        """Send to a catalogue topic and wait for the broker's acknowledgement."""
        await self._send(self.topic_name(spec), key, value, headers)

    async def mark_failed(self, doc_id: str, err: ExtractorError, stage: str) -> None:
        """A dead-lettered document ends `failed`, in the store and on the results topic."""
        result = failed_result(doc_id, err, await self.results.get(doc_id))
        if await self.results.write(result) and stage != "store":
            headers = {"request_id": structlog.contextvars.get_contextvars()
                       .get("request_id", "").encode(), STORED_HEADER: b"1"}  # written just now
            await self.publish(catalogue.RESULTS, doc_id.encode(), encode(result), headers)

    async def close(self) -> None:
        if self._chain is not None:
            await self._chain.aclose()
        await self.redis.aclose()
        if "pool" in self.__dict__:
            self.pool.shutdown(wait=False, cancel_futures=True)

"""What the agents of one worker process share. It is handed everything and builds nothing;
`StageContext.from_settings` is the one place the worker's collaborators are made."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial

import structlog

from config.errors import ExtractorError, Unavailable
from config.settings import Settings
from stores import Stores, open_stores
from stores.metrics import Metrics
from streams.extraction.providers.chain import ProviderChain
from streams.preprocess import RenderOptions
from streams.runner import Send, StageRunner
from topics import catalogue
from topics.catalogue import Stage, TopicSpec
from topics.codec import encode
from topics.models import REQUEST_ID_HEADER, STORED_HEADER, failed_result

log = structlog.get_logger()


class StageContext:
    def __init__(self, settings: Settings, *, metrics: Metrics, stores: Stores,
                 chain: ProviderChain, send: Send, pool: Executor, pool_size: int,
                 new_pool: Callable[[], Executor] | None = None) -> None:
        self.settings = settings
        self.metrics = metrics
        self.stores = stores
        self.blobs, self.results, self.schemas = stores.blobs, stores.results, stores.schemas
        self.webhooks, self.batches = stores.webhooks, stores.batches
        self.chain = chain
        self.send = send  # to a broker-side topic name; returns once the broker acknowledged
        self.pool = pool  # CPU work (render, encode, OCR): Kafka heartbeats never starve
        self.pool_size = pool_size
        self.new_pool = new_pool  # a fresh pool when a child dies
        self.render = RenderOptions(settings.pdf_dpi, settings.max_image_dim,
                                    settings.jpeg_quality)

    @classmethod
    def from_settings(cls, settings: Settings, *, send: Send, metrics: Metrics | None = None,
                      stores: Stores | None = None,
                      chain: ProviderChain | None = None) -> StageContext:
        metrics = metrics or Metrics()
        size = settings.preprocess_workers or os.cpu_count() or 1
        new_pool = partial(ProcessPoolExecutor, size,
                           mp_context=multiprocessing.get_context("spawn"),
                           initializer=start_child, initargs=(os.getpid(), settings.ocr_enabled))
        return cls(settings, metrics=metrics, stores=stores or open_stores(settings),
                   chain=chain or ProviderChain(settings, metrics), send=send, pool=new_pool(),
                   pool_size=size, new_pool=new_pool)

    async def warm(self) -> None:
        """Start every pool process now, not on the first documents: each loads the OCR models
        as it starts (about a second of CPU), which the first scans would otherwise wait for."""
        started = time.monotonic()
        pids = await asyncio.gather(*(self.in_pool(os.getpid) for _ in range(self.pool_size)))
        log.info("pool.warm", processes=len(set(pids)), ocr=self.settings.ocr_enabled,
                 ms=round((time.monotonic() - started) * 1000))

    def topic_name(self, spec: TopicSpec) -> str:
        return catalogue.name(spec, self.settings.topic_prefix)

    async def in_pool(self, fn: Callable, *args):
        """`fn(*args)` in the pool. A child that dies (out of memory, or a crash on this very
        document) breaks the whole pool: it is replaced, and the work is retried as transient,
        so a document that kills it every time ends in the DLQ after STAGE_MAX_ATTEMPTS."""
        pool = self.pool
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, fn, *args)
        except BrokenProcessPool as exc:
            if self.pool is pool and self.new_pool is not None:  # the first to notice replaces it
                log.warning("pool.broken", error=repr(exc))
                self.pool = self.new_pool()
                pool.shutdown(wait=False, cancel_futures=True)
            raise Unavailable(f"a pool process died while working on this document: {exc}") from exc

    def runner(self, stage: Stage) -> StageRunner:
        s = self.settings

        async def mark_failed(doc_id: str, err: ExtractorError) -> None:
            await self.mark_failed(doc_id, err, stage)

        return StageRunner(
            stage.name, send=self.send, dlq_topic=self.topic_name(stage.dlq),
            mark_failed=mark_failed, metrics=self.metrics, max_attempts=s.stage_max_attempts,
            base_delay=s.retry_base_seconds, max_delay=s.retry_max_seconds,
        )

    async def publish(self, spec: TopicSpec, key: bytes, value: bytes | None,
                      headers: dict[str, bytes]) -> None:
        """Send to a catalogue topic and wait for the broker's acknowledgement."""
        await self.send(self.topic_name(spec), key, value, headers)

    async def mark_failed(self, doc_id: str, err: ExtractorError, stage: Stage) -> None:
        """A dead-lettered document ends `failed`, in the store and on the stage's failure topic."""
        result = failed_result(doc_id, err, await self.results.get(doc_id))
        if await self.results.write(result) and stage.failures is not None:
            request_id = structlog.contextvars.get_contextvars().get("request_id", "")
            headers = {REQUEST_ID_HEADER: request_id.encode(), STORED_HEADER: b"1"}
            await self.publish(stage.failures, doc_id.encode(), encode(result), headers)

    async def close(self) -> None:
        await self.chain.aclose()
        await self.stores.aclose()
        self.pool.shutdown(wait=False, cancel_futures=True)


def start_child(parent: int, ocr: bool) -> None:
    """Pool initializer: tie the child to its worker, and load the OCR models before any work.
    A failed load is left to the first scan (which then fails with its own error), so a broken
    model never breaks the pool for documents that need no OCR."""
    exit_with_parent(parent)
    if ocr:
        try:
            from streams.ocr import get_engine

            get_engine()
        except Exception as exc:  # noqa: BLE001 - logged; the first scan reports it
            log.warning("pool.ocr_load_failed", error=repr(exc))


def exit_with_parent(parent: int, interval: float = 1.0) -> None:
    """A pool child ends when its worker dies, however it died (even kill -9)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()



"""Preprocess: pages/s through the stage against a bare PyMuPDF render + JPEG encode loop.

Both sides get the same image-only PDFs (every page must be rendered) and the same number of
processes (one per core). The stage is `streams.agents.preprocess.handle` as the agent runs it:
its process pool, the Redis blob store and an acks=all send of its output to Kafka, at the
agent's concurrency. The bare loop is a process pool that renders and encodes, nothing more.
The two alternate for several rounds so that background load on a shared machine hits both.
"""

from __future__ import annotations

import asyncio
import io
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from statistics import median

import pymupdf
from aiokafka import AIOKafkaProducer
from PIL import Image

from bench import docs as docmix
from bench.stack import StackConfig
from bench.stats import r1, r3
from stores.blobs import source_key
from streams.agents import preprocess as agent
from streams.context import StageContext
from streams.runner import Incoming
from topics.codec import encode
from topics.models import Submitted


def bare_render(data: bytes, dpi: int = 200, quality: int = 95) -> int:
    """The floor: render every page and JPEG-encode it with Pillow; returns the page count."""
    with pymupdf.open(stream=data, filetype="pdf") as doc:
        for page in doc:
            pix = page.get_pixmap(dpi=dpi)
            img = Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
            img.save(io.BytesIO(), format="JPEG", quality=quality, optimize=False)
        return doc.page_count


def page_count(pdf: bytes) -> int:
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        return doc.page_count


class Bare:
    """The bare loop over a warm pool of `workers` processes."""

    def __init__(self, workers: int) -> None:
        self.pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))

    def rate(self, pdfs: list[bytes]) -> float:
        began = time.perf_counter()
        pages = sum(self.pool.map(bare_render, pdfs))
        return pages / (time.perf_counter() - began)


class Stage:
    """The stage's handler with a context of its own, sending its output to Kafka."""

    def __init__(self, cfg: StackConfig) -> None:
        self.producer = AIOKafkaProducer(bootstrap_servers=cfg.kafka, acks="all")

        async def send(topic, key, value, headers) -> None:
            await self.producer.send_and_wait(topic, value, key=key,
                                              headers=list(headers.items()))

        self.cfg, self.ctx = cfg, StageContext.from_settings(cfg.settings(), send=send)
        self.count = 0

    async def start(self) -> None:
        await self.producer.start()

    async def rate(self, pdfs: list[bytes]) -> float:
        queue = [await self._submit(pdf) for pdf in pdfs]
        ids = [m.document_id or "" for m in queue]

        async def lane() -> None:
            while queue:
                await agent.handle(self.ctx, queue.pop(0))

        began = time.perf_counter()
        await asyncio.gather(*(lane() for _ in range(self.ctx.pool_size + 1)))
        elapsed = time.perf_counter() - began
        for doc_id in ids:
            await self.ctx.blobs.delete_document(doc_id)
            await self.ctx.results.delete(doc_id)
        return sum(page_count(p) for p in pdfs) / elapsed

    async def _submit(self, pdf: bytes) -> Incoming:
        self.count += 1
        doc_id = f"pre-{self.cfg.tag}-{self.count}"
        await self.ctx.blobs.put(doc_id, {source_key(doc_id): pdf}, 600)
        value = encode(Submitted(id=doc_id, schema="invoice", content_type="application/pdf",
                                 blob=source_key(doc_id)))
        return Incoming("bench", 0, 0, doc_id.encode(), value, {"request_id": b"bench"})

    async def close(self) -> None:
        await self.producer.stop()
        await self.ctx.close()


async def _rounds(cfg: StackConfig, pdfs: list[bytes], rounds: int, workers: int):
    bare, stage = Bare(workers), Stage(cfg)
    await stage.start()
    try:
        # Every process of both pools spawned and warm (imports done) before the clock runs.
        bare.rate(pdfs[:workers])
        await stage.rate(pdfs[:workers + 1])
        loop = asyncio.get_running_loop()
        bares, stages = [], []
        for i in range(rounds):  # alternate which goes first, so drift favours neither
            if i % 2:
                stages.append(await stage.rate(pdfs))
            bares.append(await loop.run_in_executor(None, bare.rate, pdfs))
            if not i % 2:
                stages.append(await stage.rate(pdfs))
        return bares, stages
    finally:
        bare.pool.shutdown()
        await stage.close()


def measure(cfg: StackConfig, docs: int, pages: int, rounds: int) -> dict:
    pdfs = [docmix.scan_pdf(i, pages) for i in range(docs)]
    workers = cfg.settings().preprocess_workers or os.cpu_count() or 1
    bares, stages = asyncio.run(_rounds(cfg, pdfs, rounds, workers))
    ratios = [s / b for s, b in zip(stages, bares, strict=True)]
    return {"pages_per_round": docs * pages, "rounds": rounds, "processes": workers,
            "bare_pages_per_s": r1(median(bares)), "stage_pages_per_s": r1(median(stages)),
            "ratio": r3(median(ratios)), "ratios": [r3(r) for r in ratios]}

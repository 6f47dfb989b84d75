"""The synchronous peer: the upload-and-wait service of the original production guide.

One endpoint reads the upload, validates it, preprocesses it inline (in the thread pool) and
calls the LLM (the same fake, through the same Groq provider and prompts) before it answers.
The guide runs it with 4 worker processes and at most 10 concurrent AI requests. As a FastAPI
app would, each process holds its own `asyncio.Semaphore(10)` (SYNC_AI_SCOPE=process: up to 40
AI calls in flight in all); SYNC_AI_SCOPE=global shares 10 slots between the processes through
a Redis list of tokens (BLPOP/RPUSH, first come first served).

    SYNC_AI_SCOPE=process GROQ_BASE_URL=... uvicorn bench.sync_app:build --factory --workers 4
"""

from __future__ import annotations

import asyncio
import os
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from redis.asyncio import Redis
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from config.errors import ExtractorError
from config.schemas import BUILTIN
from config.settings import Settings
from ingest_api.validation import inspect_document
from streams.extraction.providers.groq import GroqProvider
from streams.extraction.validate import validate
from streams.preprocess import RenderOptions, prepare

TOKENS = "bench:sync:ai-slots"


class GlobalSlots:
    """A semaphore shared by every process: a Redis list holding one token per slot.

    A waiting BLPOP holds a connection, and the pool has 100: at most `slots` requests of a
    process wait on Redis, the others on an in-process semaphore (no process can use more
    slots than that anyway). Each BLPOP waits 1 s at most, inside the client's 5 s read
    timeout, and is repeated until a token comes."""

    def __init__(self, redis: Redis, slots: int) -> None:
        self.redis = redis
        self.local = asyncio.Semaphore(slots)

    async def __aenter__(self) -> None:
        await self.local.acquire()
        try:
            while await self.redis.blpop([TOKENS], timeout=1) is None:
                pass
        except BaseException:
            self.local.release()
            raise

    async def __aexit__(self, *exc: object) -> None:
        try:
            await self.redis.rpush(TOKENS, b"1")
        finally:
            self.local.release()


def build() -> FastAPI:
    settings = Settings()
    opts = RenderOptions(settings.pdf_dpi, settings.max_image_dim, settings.jpeg_quality)
    state: dict = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        state["provider"] = GroqProvider(settings)
        state["redis"] = Redis.from_url(settings.redis_url)
        if os.environ.get("SYNC_AI_SCOPE", "process") == "global":
            state["slots"] = GlobalSlots(state["redis"], settings.max_concurrent_ai_requests)
        else:
            state["slots"] = asyncio.Semaphore(settings.max_concurrent_ai_requests)
        yield
        await state["provider"].aclose()
        await state["redis"].aclose()

    app = FastAPI(title="sync-peer", lifespan=lifespan, docs_url=None, redoc_url=None)

    @app.get("/health")
    async def health() -> dict:
        return {"status": "ok"}

    @app.post("/v1/extract")
    async def extract(request: Request) -> JSONResponse:
        form = await request.form()
        file = form.get("file")
        if not isinstance(file, UploadFile):
            return JSONResponse({"error": "file is required"}, status_code=422)
        data = await file.read()
        schema = BUILTIN[str(form.get("schema") or "invoice")]
        try:
            info = await run_in_threadpool(inspect_document, data, filename=file.filename or "",
                                           declared_type=file.content_type, max_pages=100)
            pages, images, _ = await run_in_threadpool(prepare, data, info.content_type, opts)
            async with state["slots"]:
                answer = await state["provider"].extract(pages, schema, images)
        except ExtractorError as exc:
            return JSONResponse({"error": exc.code}, status_code=exc.status)
        fields, errors = validate(answer.data, schema)
        return JSONResponse({"data": fields, "errors": errors, "model": answer.model})

    return app


async def reset_tokens(redis_url: str, slots: int) -> None:
    """Put exactly `slots` tokens in the shared list (before the peer starts)."""
    redis = Redis.from_url(redis_url)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.delete(TOKENS)
        pipe.rpush(TOKENS, *([b"1"] * slots))
        await pipe.execute()
    await redis.aclose()

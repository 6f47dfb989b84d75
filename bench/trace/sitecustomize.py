"""Timing probe for `python -m bench.trace`: on PYTHONPATH only when BENCH_TRACE_OUT is set.

Wraps the functions in STEPS and appends one line per call to $BENCH_TRACE_OUT:
`pid name key t0 t1`, with perf_counter times (CLOCK_MONOTONIC, the same clock in every
process). `key` is the request id when the client sent one starting with "trace", otherwise
the document id bound in structlog's context (or the message key, for `incoming`).
The modules are imported here, before the program's own imports, so that names imported
from them later (`from x import f`) are the wrapped ones.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import inspect
import os
import time

# Functions that other modules import by name come before those modules (their importers then
# get the wrapped function); methods are looked up on the class at call time, in any order.
STEPS = (
    "httpx:AsyncClient.send", "aiokafka.consumer.fetcher:Fetcher._proc_fetch_request",
    "streams.extraction.grounding:ground", "streams.extraction.run:extract_pages",
    "streams.extraction.providers.chain:ProviderChain.extract",
    "streams.extraction.providers.groq:GroqProvider._ask",
    "stores.results:ResultStore.advance", "stores.results:ResultStore.write",
    "stores.blobs:RedisBlobStore.get", "stores.blobs:RedisBlobStore.get_many",
    "stores.blobs:RedisBlobStore.put", "streams.context:StageContext.in_pool",
    "streams.context:StageContext.publish", "streams.runner:StageRunner.run",
    "streams.agents:incoming", "streams.agents.preprocess:handle",
    "streams.agents.extract:handle", "ingest_api.upload:read_upload",
    "ingest_api.ratelimit:RateLimiter.check", "ingest_api.publisher:Publisher.publish",
)


def _key(name: str, args: tuple) -> str:
    if name == "incoming":
        return (args[0].message.key or b"-").decode(errors="replace")
    import structlog

    bound = structlog.contextvars.get_contextvars()
    request_id = str(bound.get("request_id", ""))
    return request_id if request_id.startswith("trace") else str(
        bound.get("document_id") or request_id or "-")


def _wrap(name: str, fn, out):
    def record(key: str, t0: float) -> None:
        out.write(f"{os.getpid()} {name} {key} {t0:.6f} {time.perf_counter():.6f}\n")

    if inspect.iscoroutinefunction(fn):
        @functools.wraps(fn)
        async def timed(*args, **kwargs):
            t0, key = time.perf_counter(), _key(name, args)
            try:
                return await fn(*args, **kwargs)
            finally:
                record(key, t0)
        return timed

    @functools.wraps(fn)
    def timed_sync(*args, **kwargs):
        t0, key = time.perf_counter(), _key(name, args)
        try:
            return fn(*args, **kwargs)
        finally:
            record(key, t0)
    return timed_sync


def install(path: str) -> None:
    out = open(path, "a", buffering=1)  # noqa: SIM115 (lives as long as the process)
    for step in STEPS:
        module_name, _, attr = step.partition(":")
        with contextlib.suppress(ImportError):
            owner = importlib.import_module(module_name)
            *parents, last = attr.split(".")
            for part in parents:
                owner = getattr(owner, part)
            setattr(owner, last, _wrap(last if not parents else attr, getattr(owner, last), out))


if os.environ.get("BENCH_TRACE_OUT"):
    install(os.environ["BENCH_TRACE_OUT"])

"""The load generator's side: uploads over HTTP and document state changes seen from Redis.

Completion times come from the result store's pub/sub events (`events:<id>`), so nothing is
polled and a completion is timed when the store publishes it, as an SSE client would see it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field

import httpx
from redis.asyncio import Redis

from bench.docs import Doc
from bench.stack import API_KEY

FINAL = ("completed", "failed", "cancelled")


@dataclass
class Sent:
    doc: Doc
    started: float
    answered: float
    status: int  # HTTP status; 0 for a transport error or timeout
    doc_id: str | None = None
    body: dict = field(default_factory=dict)

    @property
    def accept_ms(self) -> float:
        return (self.answered - self.started) * 1000


def api_client(url: str, concurrency: int, timeout: float = 60) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.AsyncClient(base_url=url, headers={"X-API-Key": API_KEY}, limits=limits,
                             timeout=timeout)


async def post(client: httpx.AsyncClient, path: str, doc: Doc, ok: int = 202) -> Sent:
    started = time.perf_counter()
    try:
        response = await client.post(path, data={"schema": "invoice"},
                                     files={"file": (doc.filename, doc.data, doc.content_type)})
    except httpx.HTTPError:
        return Sent(doc, started, time.perf_counter(), 0)
    answered = time.perf_counter()
    body = response.json() if response.headers.get("content-type", "").startswith(
        "application/json") else {}
    doc_id = body.get("id") if response.status_code == ok else None
    return Sent(doc, started, answered, response.status_code, doc_id, body)


async def post_all(client: httpx.AsyncClient, path: str, docs: list[Doc], concurrency: int,
                   ok: int = 202) -> list[Sent]:
    """Every document, `concurrency` requests at a time, as fast as the server answers."""
    queue = list(enumerate(docs))
    out: list[Sent | None] = [None] * len(docs)

    async def lane() -> None:
        while queue:
            index, doc = queue.pop(0)
            out[index] = await post(client, path, doc, ok)

    await asyncio.gather(*(lane() for _ in range(min(concurrency, len(docs)))))
    return [s for s in out if s is not None]


async def post_paced(client: httpx.AsyncClient, path: str, docs: list[Doc],
                     rate: float) -> list[Sent]:
    """Open loop: document i leaves at i / rate seconds, whatever the earlier ones do."""
    start = time.perf_counter()

    async def one(index: int, doc: Doc) -> Sent:
        await asyncio.sleep(max(0.0, start + index / rate - time.perf_counter()))
        return await post(client, path, doc)

    return list(await asyncio.gather(*(one(i, d) for i, d in enumerate(docs))))


class Watcher:
    """Times of every status event on `events:*`; `wait` for documents to become final."""

    def __init__(self, redis_url: str) -> None:
        self.redis = Redis.from_url(redis_url)
        self.pubsub = self.redis.pubsub()
        self.events: dict[str, dict[str, float]] = {}
        self.final: dict[str, dict] = {}
        self._changed = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def __aenter__(self) -> Watcher:
        await self.pubsub.psubscribe("events:*")
        self._task = asyncio.create_task(self._listen())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task:
            self._task.cancel()
        await self.pubsub.aclose()
        await self.redis.aclose()

    async def _listen(self) -> None:
        while True:
            message = await self.pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if message is None:
                continue
            now = time.perf_counter()
            doc_id = message["channel"].decode().partition(":")[2]
            record = json.loads(message["data"])
            self.events.setdefault(doc_id, {}).setdefault(record["status"], now)
            if record["status"] in FINAL and doc_id not in self.final:
                self.final[doc_id] = record
                self._changed.set()

    async def wait(self, ids: list[str], timeout: float) -> bool:
        """True once every id is final; False when `timeout` seconds pass first."""
        deadline = time.perf_counter() + timeout
        while not all(i in self.final for i in ids):
            left = deadline - time.perf_counter()
            if left <= 0:
                return False
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(left, 1.0))
        return True

    def done_at(self, doc_id: str) -> float:
        status = self.final[doc_id]["status"]
        return self.events[doc_id][status]

    async def stored_final(self, ids: list[str]) -> dict[str, str]:
        """The result store's word (not pub/sub's): id -> status, for ids that are final."""
        out: dict[str, str] = {}
        for start in range(0, len(ids), 200):
            chunk = ids[start:start + 200]
            async with self.redis.pipeline(transaction=False) as pipe:
                for doc_id in chunk:
                    pipe.hget(f"doc:{doc_id}", "status")
                statuses = await pipe.execute()
            out.update({i: s.decode() for i, s in zip(chunk, statuses, strict=True)
                        if s and s.decode() in FINAL})
        return out

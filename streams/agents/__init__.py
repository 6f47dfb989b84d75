"""One agent per pipeline stage, in the module named after it; each is a thin loop."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import faust
from faust.types import EventT

from config.errors import UndecodableMessage
from streams.runner import Incoming
from topics.catalogue import Stage
from topics.codec import decode
from topics.models import REQUEST_ID_HEADER, STORED_HEADER, Message

if TYPE_CHECKING:
    from streams.context import StageContext

M = TypeVar("M", bound=Message)
Handle = Callable[["StageContext", Incoming], Awaitable[None]]


def run_stage(app: faust.App, ctx: StageContext, stage: Stage, handle: Handle, *,
              concurrency: int) -> None:
    """The agent of `stage`: each message of its input topic through the stage's runner."""
    runner = ctx.runner(stage)
    topic = app.topic(ctx.topic_name(stage.source), key_type=bytes, value_type=bytes)

    async def agent(stream) -> None:
        async for event in stream.events():
            await runner.run(incoming(event), lambda m: handle(ctx, m))

    agent.__name__ = stage.name
    app.agent(topic, name=stage.name, concurrency=concurrency)(agent)


def incoming(event: EventT) -> Incoming:
    m = event.message
    headers = {k: v if isinstance(v, bytes) else str(v).encode()
               for k, v in event.headers.items()}
    return Incoming(m.topic, m.partition, m.offset, m.key, m.value, headers)


def decode_keyed(msg: Incoming, model: type[M]) -> M:
    """Decode a stage input; its key, when present, must be its document id."""
    doc = decode(msg.value, model)
    if msg.key is not None and msg.key != doc.id.encode():
        raise UndecodableMessage(f"message key {msg.key[:64]!r} is not its id {doc.id!r}")
    return doc


def forward_headers(msg: Incoming, *, stored: bool = False) -> dict[str, bytes]:
    headers = {REQUEST_ID_HEADER: msg.headers.get(REQUEST_ID_HEADER, b"")}
    if stored:
        headers[STORED_HEADER] = b"1"
    return headers

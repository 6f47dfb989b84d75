"""One agent per module; each is a thin loop around its stage's handler."""

from __future__ import annotations

from faust.types import EventT

from streams.runner import Incoming


def incoming(event: EventT) -> Incoming:
    m = event.message
    headers = {k: (v if isinstance(v, bytes) else str(v).encode()) for k, v in event.headers.items()}
    return Incoming(m.topic, m.partition, m.offset, m.key, m.value, headers)


def forward_headers(msg: Incoming) -> dict[str, bytes]:
    return {"request_id": msg.headers.get("request_id", b"")}

"""One agent per module; each is a thin loop around its stage's handler."""

from __future__ import annotations

from typing import TypeVar

from faust.types import EventT

from config.errors import UndecodableMessage
from streams.runner import Incoming
from topics.codec import decode
from topics.models import REQUEST_ID_HEADER, STORED_HEADER, Message

M = TypeVar("M", bound=Message)


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

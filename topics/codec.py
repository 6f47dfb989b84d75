"""Bytes <-> message models. Decoding failures are `MessageError`s: they go to the DLQ."""

from __future__ import annotations

import json
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from config.errors import UndecodableMessage, UnsupportedVersion
from topics.models import SCHEMA_VERSION

M = TypeVar("M", bound=BaseModel)


def encode(message: BaseModel) -> bytes:
    return message.model_dump_json(by_alias=True, exclude_none=True).encode()


def decode(raw: bytes | None, model: type[M]) -> M:
    try:
        obj = json.loads(raw or b"")
    except (ValueError, UnicodeDecodeError) as exc:
        raise UndecodableMessage(f"not JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise UndecodableMessage("message is not a JSON object")
    version = obj.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        raise UnsupportedVersion(f"schema_version {version!r} is not supported")
    try:
        return model.model_validate(obj)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise UndecodableMessage(problems[:500]) from None

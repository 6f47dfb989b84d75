"""Build the AsyncAPI document of our topics from the message models.

`python -m topics.asyncapi` rewrites topics/asyncapi.yaml; a test fails when it is stale.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from topics.catalogue import PREPARED, RESULTS, STAGE_INPUTS, SUBMITTED, TopicSpec
from topics.models import SCHEMA_VERSION, Prepared, Result, Submitted

PATH = Path(__file__).with_name("asyncapi.yaml")
MODELS: dict[str, type[BaseModel]] = {
    SUBMITTED.name: Submitted, PREPARED.name: Prepared, RESULTS.name: Result,
}
REQUEST_ID: dict[str, Any] = {"request_id": {
    "type": "string", "description": "correlates logs across the API and stages"}}
HEADERS = {"type": "object", "properties": REQUEST_ID}
RESULT_HEADERS = {"type": "object", "properties": REQUEST_ID | {"stored": {
    "type": "string", "enum": ["1"],
    "description": "the sender already wrote this record to the result store"}}}
DLQ_HEADERS = {
    "type": "object",
    "properties": {
        f"dlq.{name}": {"type": "string", "description": text}
        for name, text in {
            "original_topic": "topic the message was read from",
            "original_partition": "its partition", "original_offset": "its offset",
            "error_code": "why it failed (an error code)", "error_message": "details",
            "stage": "preprocess, extract or store", "attempts": "attempts made",
            "first_failure_at": "ISO time of the first failure",
        }.items()
    },
}


def _channel(spec: TopicSpec, message: str) -> dict[str, Any]:
    return {
        "address": spec.name,
        "description": f"{spec.partitions} partitions, retention {spec.retention_ms // 86400000}"
                       " days. Key: the document id (UTF-8).",
        "messages": {message: {"$ref": f"#/components/messages/{message}"}},
    }


def build() -> dict[str, Any]:
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    for topic, model in MODELS.items():
        name = model.__name__
        schema = model.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[name] = schema
        messages[name] = {"name": name, "contentType": "application/json",
                          "headers": RESULT_HEADERS if model is Result else HEADERS,
                          "payload": {"$ref": f"#/components/schemas/{name}"}}
        spec = next(s for s in STAGE_INPUTS if s.name == topic)
        channels[spec.name] = _channel(spec, name)
    messages["DeadLetter"] = {
        "name": "DeadLetter", "headers": DLQ_HEADERS,
        "payload": {"description": "the original message bytes, unchanged"},
    }
    for spec in STAGE_INPUTS:
        channels[spec.dlq.name] = _channel(spec.dlq, "DeadLetter")
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "ai-doc-extractor topics",
            "version": str(SCHEMA_VERSION),
            "description": (
                "Every message is JSON, keyed by document id, with `request_id` in its headers "
                "and a `schema_version`. Other systems may publish to documents.submitted; "
                "anything that does not match goes to documents.submitted.dlq with a reason. "
                "documents.results is at-least-once: consumers dedupe by id."
            ),
        },
        "channels": channels,
        "components": {"messages": messages, "schemas": schemas},
    }


def render() -> str:
    return yaml.safe_dump(build(), sort_keys=False, allow_unicode=True, width=100)


if __name__ == "__main__":
    PATH.write_text(render())

"""Build the AsyncAPI document of our topics from the message models.

`python -m topics.asyncapi` rewrites topics/asyncapi.yaml; a test fails when it is stale.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from topics.catalogue import DAY_MS, PIPELINE, WEBHOOK_JOBS, TopicSpec
from topics.models import REQUEST_ID_HEADER, SCHEMA_VERSION, STORED_HEADER, Result

PATH = Path(__file__).with_name("asyncapi.yaml")
REQUEST_ID: dict[str, Any] = {REQUEST_ID_HEADER: {
    "type": "string", "description": "correlates logs across the API and stages"}}
HEADERS = {"type": "object", "properties": REQUEST_ID}
RESULT_HEADERS = {"type": "object", "properties": REQUEST_ID | {STORED_HEADER: {
    "type": "string", "enum": ["1"],
    "description": "the sender already wrote this record to the result store"}}}
KEYS = {WEBHOOK_JOBS.name: "`webhook:` + the job's webhook-id",
        WEBHOOK_JOBS.dlq.name: "`webhook:` + the job's webhook-id"}
DLQ_HEADERS = {
    "type": "object",
    "properties": {
        f"dlq.{name}": {"type": "string", "description": text}
        for name, text in {
            "original_topic": "topic the message was read from",
            "original_partition": "its partition", "original_offset": "its offset",
            "error_code": "why it failed (an error code)", "error_message": "details",
            "stage": "the stage that gave up: " + ", ".join(s.name for s in PIPELINE),
            "attempts": "attempts made",
            "first_failure_at": "ISO time of the first failure",
        }.items()
    },
}


def _retention(spec: TopicSpec) -> str:
    if spec.is_dlq:
        return "retention DLQ_RETENTION_DAYS (default 14 days)"
    if spec.retention_ms is None:
        return "retention STAGE_RETENTION_HOURS (default 24 hours)"
    kept = f"retention {spec.retention_ms // DAY_MS} days"
    return f"compacted (a null value erases the key), {kept}" if spec.compacted else kept


def _channel(spec: TopicSpec, message: str, read_by: str) -> dict[str, Any]:
    key = KEYS.get(spec.name, "the document id (UTF-8)")
    return {
        "address": spec.name,
        "description": f"{spec.partitions} partitions, {_retention(spec)}. Key: {key}."
                       f" {read_by}",
        "messages": {message: {"$ref": f"#/components/messages/{message}"}},
    }


def build() -> dict[str, Any]:
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    for stage in PIPELINE:
        model = stage.model
        name = model.__name__
        schema = model.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[name] = schema
        messages[name] = {"name": name, "contentType": "application/json",
                          "headers": RESULT_HEADERS if model is Result else HEADERS,
                          "payload": {"$ref": f"#/components/schemas/{name}"}}
        read_by = f"Read by the {stage.name} stage: {stage.description}."
        if stage.source.name in channels:  # a topic several stages read
            channels[stage.source.name]["description"] += " Also r" + read_by[1:]
        else:
            channels[stage.source.name] = _channel(stage.source, name, read_by)
    messages["DeadLetter"] = {
        "name": "DeadLetter", "headers": DLQ_HEADERS,
        "payload": {"description": "the original message bytes, unchanged"},
    }
    for stage in PIPELINE:
        if stage.dlq.name in channels:
            continue  # the first stage of a shared topic dead-letters its poison messages
        channels[stage.dlq.name] = _channel(
            stage.dlq, "DeadLetter", f"What the {stage.name} stage could not process.")
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

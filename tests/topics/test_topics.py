"""The catalogue, the wire format and its AsyncAPI document."""

from __future__ import annotations

import asyncio
import base64
import time

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from config.errors import UndecodableMessage, UnsupportedVersion
from topics.admin import create_topics
from topics.asyncapi import PATH, render
from topics.catalogue import PREPARED, RESULTS, SUBMITTED, all_topics, name
from topics.codec import decode, encode
from topics.models import Result, Status, Submitted


def test_asyncapi_document_is_generated_from_the_models():
    assert PATH.read_text() == render(), "run `python -m topics.asyncapi` and commit the result"


def test_every_stage_input_has_a_dlq():
    names = {t.name for t in all_topics()}
    for base in ("documents.submitted", "documents.prepared", "documents.results"):
        assert base in names and f"{base}.dlq" in names


def test_codec_roundtrip_and_errors():
    message = Submitted(id="doc-1", schema="invoice", content_type="application/pdf",
                        content_b64=base64.b64encode(b"%PDF").decode())
    assert decode(encode(message), Submitted) == message
    with pytest.raises(UndecodableMessage):
        decode(b"{not json", Submitted)
    with pytest.raises(UndecodableMessage, match="exactly one"):
        decode(b'{"id": "a", "schema": "invoice", "content_type": "application/pdf"}', Submitted)
    with pytest.raises(UnsupportedVersion):
        decode(b'{"schema_version": 2, "id": "a"}', Submitted)
    with pytest.raises(UndecodableMessage):
        decode(b'{"id": "../etc", "schema": "x", "content_type": "a", "blob": "b"}', Submitted)


def test_external_producer_example_from_the_readme_is_valid():
    """The README's producer example, as another team would write it, must decode."""
    value = (b'{"schema_version": 1, "id": "erp-2026-000123", "schema": "invoice", '
             b'"tenant": "erp", "filename": "inv.pdf", "content_type": "application/pdf", '
             b'"content_b64": "JVBERi0xLjQK"}')
    assert decode(value, Submitted).id == "erp-2026-000123"


def test_public_result_hides_wire_fields():
    body = Result(id="d", tenant="acme", schema="invoice", status=Status.completed).public()
    assert "tenant" not in body and "schema_version" not in body
    assert set(body) == {"id", "status", "schema", "data", "confidence", "citations",
                         "provider", "model", "pages", "timings_ms", "error", "created_at",
                         "completed_at", "checks", "review", "version"}


@pytest.mark.integration
def test_topics_create_is_idempotent(settings):
    first = asyncio.run(create_topics(settings))
    assert len(first) == len(all_topics())
    assert asyncio.run(create_topics(settings)) == []

    async def partitions() -> dict[str, int]:
        admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
        await admin.start()
        try:
            described = await admin.describe_topics([name(t, settings.topic_prefix)
                                                     for t in all_topics()])
            return {d["topic"]: len(d["partitions"]) for d in described}
        finally:
            await admin.close()

    wanted = {name(t, settings.topic_prefix): t.partitions for t in all_topics()}
    for _ in range(20):  # new topics' metadata can lag a moment on a busy broker
        found = asyncio.run(partitions())
        if found == wanted:
            break
        time.sleep(0.25)
    assert found == wanted


@pytest.mark.integration
def test_results_are_compacted_and_stage_topics_kept_only_their_retention(settings):
    short = settings.model_copy(update={"stage_retention_hours": 2, "dlq_retention_days": 3})
    asyncio.run(create_topics(short))

    async def configs() -> dict[str, dict[str, str]]:
        admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
        await admin.start()
        try:
            wanted = [ConfigResource(ConfigResourceType.TOPIC, name(t, settings.topic_prefix))
                      for t in (SUBMITTED, PREPARED, RESULTS, SUBMITTED.dlq)]
            found: dict[str, dict[str, str]] = {}
            for response in await admin.describe_configs(wanted):
                for _code, _msg, _type, topic, entries in response.resources:
                    found[topic] = {entry[0]: entry[1] for entry in entries}
            return found
        finally:
            await admin.close()

    for _ in range(40):  # a new topic's configs can lag its creation on a busy broker
        found = asyncio.run(configs())
        if all("retention.ms" in found.get(name(t, settings.topic_prefix), {})
               for t in (SUBMITTED, PREPARED, RESULTS, SUBMITTED.dlq)):
            break
        time.sleep(0.25)
    hour = 3600 * 1000
    for spec in (SUBMITTED, PREPARED):
        assert found[name(spec, settings.topic_prefix)]["retention.ms"] == str(2 * hour)
    assert found[name(SUBMITTED.dlq, settings.topic_prefix)]["retention.ms"] == str(72 * hour)
    results = found[name(RESULTS, settings.topic_prefix)]
    assert results["cleanup.policy"] == "compact,delete"
    assert results["max.compaction.lag.ms"] == str(hour)

"""Create the catalogue's topics on the broker; running it again changes nothing."""

from __future__ import annotations

import contextlib

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from config.settings import Settings
from topics.catalogue import HOUR_MS, TopicSpec, all_topics, name


def topic_configs(spec: TopicSpec, settings: Settings, min_isr: int) -> dict[str, str]:
    """The broker-side settings of a catalogue topic (what README's "What is kept" states)."""
    if spec.is_dlq:
        retention = settings.dlq_retention_days * 24 * HOUR_MS
    elif spec.retention_ms is None:
        retention = settings.stage_retention_hours * HOUR_MS
    else:
        retention = spec.retention_ms
    configs = {"retention.ms": str(retention), "min.insync.replicas": str(min_isr)}
    if spec.compacted:  # the cleaner may compact a record an hour after it was written
        configs |= {"cleanup.policy": "compact,delete", "segment.ms": str(HOUR_MS),
                    "max.compaction.lag.ms": str(HOUR_MS), "delete.retention.ms": str(24 * HOUR_MS)}
    return configs


def durability(brokers: int) -> tuple[int, int]:
    """(replication factor, min.insync.replicas) for a cluster of this many brokers.

    Three copies where there are three brokers, and acks=all needs two of them: one broker can be
    lost without losing an acknowledged message or refusing writes. One broker: one copy.
    """
    replication = max(1, min(3, brokers))
    return replication, max(1, replication - 1)


async def create_topics(settings: Settings, replication: int | None = None) -> list[str]:
    """Returns the names it created (empty when all existed). `replication` None: from the
    number of brokers in the cluster (see `durability`)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers,
                                request_timeout_ms=15000)
    await admin.start()
    try:
        if replication is None:
            replication, _ = durability(len((await admin.describe_cluster())["brokers"]))
        _, min_isr = durability(replication)
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(name(t, settings.topic_prefix), t.partitions, replication,
                     topic_configs=topic_configs(t, settings, min_isr))
            for t in all_topics()
            if name(t, settings.topic_prefix) not in existing
        ]
        if not wanted:
            return []
        # A concurrent creator may win the race; the topics exist either way.
        with contextlib.suppress(TopicAlreadyExistsError):
            await admin.create_topics(wanted)
        return [t.name for t in wanted]
    finally:
        await admin.close()

"""Create the catalogue's topics on the broker; running it again changes nothing."""

from __future__ import annotations

import contextlib

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from config.settings import Settings
from topics.catalogue import all_topics, name


async def create_topics(settings: Settings, replication: int = 1) -> list[str]:
    """Returns the names it created (empty when all existed)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers,
                                request_timeout_ms=15000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(name(t, settings.topic_prefix), t.partitions, replication,
                     topic_configs={"retention.ms": str(t.retention_ms)})
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

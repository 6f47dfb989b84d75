"""Every topic, declared once. Nothing else in the code spells a topic name."""

from __future__ import annotations

from dataclasses import dataclass

# Partitions bound how many worker processes share a stage; 12 divides evenly by 1, 2, 3, 4, 6.
PARTITIONS = 12
DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int = PARTITIONS
    retention_ms: int = 7 * DAY_MS

    @property
    def dlq(self) -> TopicSpec:
        return TopicSpec(f"{self.name}.dlq", partitions=3, retention_ms=14 * DAY_MS)


SUBMITTED = TopicSpec("documents.submitted")
PREPARED = TopicSpec("documents.prepared")
RESULTS = TopicSpec("documents.results")

STAGE_INPUTS = (SUBMITTED, PREPARED, RESULTS)


def all_topics() -> list[TopicSpec]:
    return [t for base in STAGE_INPUTS for t in (base, base.dlq)]


def name(spec: TopicSpec, prefix: str = "") -> str:
    """The broker-side name: a prefix lets tests and environments share one broker."""
    return f"{prefix}{spec.name}"

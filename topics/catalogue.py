"""Every topic and every pipeline stage, declared once. Nothing else spells a topic name.

`PIPELINE` is the stage graph: each stage's input topic, the model of its messages, the topics
it writes and where its failed documents are announced. The worker registers one agent per
entry (`streams/agents/<stage>.py`), and the AsyncAPI document is generated from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from topics.models import Prepared, Result, Submitted
from topics.webhooks import DeliveryJob

# Partitions bound how many worker processes share a stage; 12 divides evenly by 1, 2, 3, 4, 6.
PARTITIONS = 12
HOUR_MS = 3600 * 1000
DAY_MS = 24 * HOUR_MS


@dataclass(frozen=True)
class TopicSpec:
    """A topic. `retention_ms` None: STAGE_RETENTION_HOURS (stage topics carry filenames and
    inline bytes, kept no longer than processing needs); `compacted`: the latest message per
    key survives and a DELETE's tombstone (a null value) erases the key's data."""

    name: str
    partitions: int = PARTITIONS
    retention_ms: int | None = None
    compacted: bool = False
    is_dlq: bool = False
    dlq_name: str | None = None  # default `<name>.dlq`

    @property
    def dlq(self) -> TopicSpec:
        return TopicSpec(self.dlq_name or f"{self.name}.dlq", partitions=3, is_dlq=True)


SUBMITTED = TopicSpec("documents.submitted")
# Prepared pages before classification: `schema=auto` documents are split there.
PAGED = TopicSpec("documents.paged")
PREPARED = TopicSpec("documents.prepared")
RESULTS = TopicSpec("documents.results", retention_ms=7 * DAY_MS, compacted=True)
# Webhook delivery jobs (references, never a document's data): first attempts and due retries.
WEBHOOK_JOBS = TopicSpec("webhooks.retry", partitions=6, dlq_name="webhooks.dlq")


@dataclass(frozen=True)
class Stage:
    """One edge of the pipeline: an agent reads `source` (messages of `model`) and writes `outputs`.

    `failures` is where a dead-lettered document's failed result is published; None for a
    stage that reads that very topic, which would otherwise feed itself.
    """

    name: str
    source: TopicSpec
    model: type[BaseModel]
    outputs: tuple[TopicSpec, ...]
    failures: TopicSpec | None = RESULTS
    description: str = ""

    @property
    def dlq(self) -> TopicSpec:
        return self.source.dlq


PIPELINE: tuple[Stage, ...] = (
    Stage("preprocess", SUBMITTED, Submitted, (PREPARED, PAGED),
          description="text layer, words and page renders; schema=auto documents go to classify,"
                      " the others straight to extract"),
    Stage("classify", PAGED, Prepared, (PREPARED, RESULTS),
          description="schema=auto: split into parts and classify each (a child document per"
                      " part; `other` parts complete unextracted); other documents pass through"),
    Stage("extract", PREPARED, Prepared, (RESULTS,),
          description="OCR, the provider chain, checks, confidence and review gating"),
    Stage("store", RESULTS, Result, (), failures=None,
          description="the final record in the result store; erases the stored bytes"),
    Stage("webhooks", RESULTS, Result, (WEBHOOK_JOBS,), failures=None,
          description="one delivery job per subscribed webhook and event; batch completion"),
    Stage("webhook_delivery", WEBHOOK_JOBS, DeliveryJob, (WEBHOOK_JOBS,), failures=None,
          description="signed POSTs to the endpoints; retries go back here after their backoff"),
)
STAGES = {stage.name: stage for stage in PIPELINE}


def all_topics() -> list[TopicSpec]:
    """Every stage input and its DLQ, each once."""
    inputs = list(dict.fromkeys(stage.source for stage in PIPELINE))
    return [t for base in inputs for t in (base, base.dlq)]


def name(spec: TopicSpec, prefix: str = "") -> str:
    """The broker-side name: a prefix lets tests and environments share one broker."""
    return f"{prefix}{spec.name}"

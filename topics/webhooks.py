"""Webhook events and the delivery jobs of `webhooks.retry` (the wire format of that topic).

A job names one endpoint and one event. Its `id` is the Standard Webhooks `webhook-id`: the same
for every attempt and every redelivery of that event to that endpoint, so receivers dedupe by it.
A job without an endpoint asks the delivery agent to fan an event out to every subscriber.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from topics.models import SCHEMA_VERSION, Result, Status, utcnow


class Event(StrEnum):
    document_completed = "document.completed"
    document_failed = "document.failed"
    document_reviewed = "document.reviewed"
    batch_completed = "batch.completed"


def document_event(result: Result) -> Event | None:
    """The event a result on documents.results announces, if any."""
    if result.status is Status.failed:
        return Event.document_failed
    if result.status is Status.completed:
        return Event.document_reviewed if result.version > 1 else Event.document_completed
    return None


def webhook_id(tenant: str, endpoint: str, event: Event, subject: str, version: int) -> str:
    """Deterministic: a redelivered result or a replayed dead letter carries the same id."""
    digest = hashlib.sha256(f"{tenant}\n{endpoint}\n{event}\n{subject}\n{version}".encode())
    return "msg_" + digest.hexdigest()[:32]


class DeliveryJob(BaseModel):
    """`webhooks.retry`: deliver `event` about `subject` to one endpoint (or fan it out)."""

    model_config = ConfigDict(extra="ignore")

    schema_version: Literal[1] = SCHEMA_VERSION
    id: str = Field(description="the webhook-id header; empty for a fan-out job")
    tenant: str = Field(max_length=64)
    endpoint: str | None = Field(default=None,
                                 description="webhook name; null: every subscribed endpoint")
    event: Event
    subject: str = Field(max_length=128, description="document id or batch id")
    version: int = Field(default=1, ge=1, description="the result version the event is about")
    timestamp: datetime = Field(default_factory=utcnow, description="when the event happened")
    attempt: int = Field(default=1, ge=1, description="1-based number of the next attempt")

    @property
    def key(self) -> bytes:
        # Never a document id: a DLQ replay must not mistake a job for a document to reopen.
        return f"webhook:{self.id or self.subject}".encode()

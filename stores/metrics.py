"""Prometheus metrics, built on a registry passed in (tests give each app its own)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.http_duration = Histogram(
            "http_request_duration_seconds", "HTTP request latency",
            ["method", "route", "status"], registry=r, buckets=LATENCY_BUCKETS,
        )
        self.uploads = Counter("uploads_total", "Uploads by outcome", ["outcome"], registry=r)
        self.schemas = Gauge("schemas_known", "Extraction schemas known", registry=r)
        self.stage_duration = Histogram(
            "stage_duration_seconds", "Time spent in a pipeline stage per document",
            ["stage"], registry=r, buckets=LATENCY_BUCKETS,
        )
        self.stage_outcomes = Counter(
            "stage_outcomes_total", "Stage results", ["stage", "outcome"], registry=r
        )
        self.dlq = Counter("dlq_messages_total", "Messages dead-lettered", ["stage", "reason"],
                           registry=r)
        self.retries = Counter("stage_retries_total", "Transient-failure retries", ["stage"],
                               registry=r)
        self.consumer_lag = Gauge(
            "consumer_lag_messages", "Messages behind the log end", ["topic", "partition"],
            registry=r,
        )
        self.ai_active = Gauge("ai_requests_active", "AI provider requests in flight", registry=r)
        self.provider_latency = Histogram(
            "provider_request_duration_seconds", "LLM provider call latency", ["provider"],
            registry=r, buckets=LATENCY_BUCKETS,
        )
        self.provider_errors = Counter(
            "provider_errors_total", "LLM provider failures", ["provider", "code"], registry=r
        )
        self.circuit_open = Gauge("provider_circuit_open", "1 while a provider's breaker is open",
                                  ["provider"], registry=r)
        # Production field accuracy from people's reviews: approved / (approved + corrected).
        self.review_fields_approved = Counter(
            "review_fields_approved_total", "Fields a reviewer approved unchanged",
            ["schema", "field"], registry=r)
        self.review_fields_corrected = Counter(
            "review_fields_corrected_total", "Fields a reviewer corrected",
            ["schema", "field"], registry=r)
        # Webhook delivery, per endpoint ("tenant/name").
        self.webhook_attempts = Counter(
            "webhook_attempts_total", "Webhook delivery attempts", ["endpoint"], registry=r)
        self.webhook_successes = Counter(
            "webhook_successes_total", "Webhook attempts answered 2xx", ["endpoint"], registry=r)
        self.webhook_failures = Counter(
            "webhook_failures_total", "Webhook attempts that failed (non-2xx, timeout, refused)",
            ["endpoint", "reason"], registry=r)
        self.webhook_latency = Histogram(
            "webhook_delivery_duration_seconds", "Webhook attempt latency", ["endpoint"],
            registry=r, buckets=LATENCY_BUCKETS)

"""One `Settings` object, read from the environment by `get_settings()` (never at import)."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDERS = {"", "changeme", "change-me", "your-key", "secret", "password", "test", "dev"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True,
                                      env_ignore_empty=True)

    environment: Literal["development", "test", "production"] = "development"
    debug: bool = False
    log_level: str = "INFO"

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    topic_prefix: str = ""  # lets tests and tenants of one broker keep separate topic sets
    worker_group: str = "doc-extractor"
    worker_metrics_port: int = 0  # >0: the worker serves /metrics on 127.0.0.1 at this port
    worker_metrics_host: str = "127.0.0.1"
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_max_connections: int = Field(default=100, ge=1)  # per process; more callers wait

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    api_keys: str = ""  # "tenant:key,tenant:key"
    metrics_allow: str = "127.0.0.1/32,::1/128"  # networks allowed to read /metrics
    trusted_proxy_tls: bool = False  # send HSTS (set when TLS terminates in front of us)
    ip_hash_key: str = Field(default="", repr=False)  # HMAC key for client IPs in logs and limits
    auth_fail_per_minute: int = 10  # wrong API keys a client may send, refilled per minute
    auth_fail_burst: int = 10
    body_read_timeout_seconds: float = Field(default=30, gt=0)  # longest pause inside a body

    max_file_size_mb: float = 10
    max_pages: int = 100
    rate_limit_per_minute: int = 100
    rate_limit_burst: int = 10
    result_ttl_seconds: int = 3600
    schema_cache_seconds: int = 86400
    inline_max_bytes: int = 256 * 1024  # external producers may inline documents up to this size

    groq_api_key: str = ""
    groq_base_url: str | None = None
    groq_model: str = "openai/gpt-oss-120b"  # strict JSON-schema outputs on Groq
    groq_vision_model: str = "meta-llama/llama-4-scout-17b-16e-instruct"
    mistral_api_key: str = ""
    mistral_base_url: str | None = None
    mistral_model: str = "mistral-small-latest"
    mistral_ocr_model: str = "mistral-ocr-latest"
    mistral_use_ocr: bool = False
    extraction_providers: str = "groq,mistral,local"
    max_concurrent_ai_requests: int = 10
    provider_timeout_seconds: float = 60
    provider_max_retries: int = 3
    circuit_failure_threshold: int = 5
    circuit_reset_seconds: float = 30

    pdf_dpi: int = 200
    max_image_dim: int = 4096
    jpeg_quality: int = 95
    review_confidence_threshold: float = Field(default=0.9, ge=0.0, le=1.0)  # schemas may override
    ocr_enabled: bool = True  # OCR scanned pages (local extractor and grounding need words)
    preprocess_workers: int = Field(default=0, description="process pool size; 0 = one per core")
    stage_retention_hours: int = Field(default=24, ge=1)  # stage topics: filenames, inline bytes
    dlq_retention_days: int = Field(default=14, ge=1)  # dead letters keep the original message
    stage_max_attempts: int = 4
    retry_base_seconds: float = 0.5
    retry_max_seconds: float = 30
    # Webhooks (README "Webhooks"): loopback/private targets only in development and tests.
    webhook_allow_private: bool = False
    webhook_timeout_seconds: float = Field(default=10, gt=0)  # one attempt, body included
    webhook_max_attempts: int = Field(default=6, ge=1)  # then webhooks.dlq
    webhook_retry_base_seconds: float = Field(default=5, gt=0)  # x5 per attempt, +-20% jitter
    webhook_retry_max_seconds: float = Field(default=3600, gt=0)
    webhook_endpoint_concurrency: int = Field(default=4, ge=1)  # in-flight POSTs per endpoint

    @field_validator("extraction_providers")
    @classmethod
    def _provider_list(cls, value: str) -> str:
        # The names are checked against the provider registry when the chain is built.
        names = [p.strip() for p in value.split(",") if p.strip()]
        if not names:
            raise ValueError("EXTRACTION_PROVIDERS names no provider")
        return ",".join(names)

    @model_validator(mode="after")
    def _no_placeholders_in_production(self) -> Settings:
        if self.environment != "production":
            return self
        for tenant, key in self.tenant_keys:
            if key.lower() in PLACEHOLDERS or len(key) < 16:
                raise ValueError(f"API key of tenant {tenant!r} is a placeholder or too short")
        if self.webhook_allow_private:
            raise ValueError("WEBHOOK_ALLOW_PRIVATE is for development and tests only")
        if self.ip_hash_key.lower() in PLACEHOLDERS or len(self.ip_hash_key) < 32:
            raise ValueError("IP_HASH_KEY must be a secret of at least 32 characters")
        for name in ("groq_api_key", "mistral_api_key"):
            value = getattr(self, name)
            if value and value.lower() in PLACEHOLDERS:
                raise ValueError(f"{name.upper()} is a placeholder")
        return self

    @property
    def tenant_keys(self) -> list[tuple[str, str]]:
        pairs = []
        for item in self.api_keys.split(","):
            if item.strip():
                tenant, sep, key = item.strip().partition(":")
                if not sep or not tenant or not key:
                    raise ValueError("API_KEYS must look like tenant:key,tenant:key")
                pairs.append((tenant, key))
        return pairs

    @property
    def key_hashes(self) -> dict[str, str]:
        """sha256(key) -> tenant; the keys themselves are not kept."""
        return {hashlib.sha256(k.encode()).hexdigest(): t for t, k in self.tenant_keys}

    @property
    def providers(self) -> list[str]:
        return self.extraction_providers.split(",")

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_size_mb * 1024 * 1024)


@lru_cache
def get_settings() -> Settings:
    return Settings()

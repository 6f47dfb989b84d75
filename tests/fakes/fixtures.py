"""Pytest fixtures for the fake LLM server: import them into a test module to use them.

The settings they build point both SDKs at the fake and need no Kafka or Redis.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PIL import Image

from config.settings import Settings
from streams.document import Page
from tests.fakes.fake_llm import FakeConfig, FakeLLM

INVOICE_TEXT = "\n".join([
    "ACME Widgets GmbH",
    "Hauptstrasse 1",
    "10115 Berlin",
    "Invoice Number: INV-1001",
    "Invoice Date: 14/03/2026",
    "Due Date: 13.04.2026",
    "Bill to: Example Customer Ltd",
    "Widget A 2 10.00 20.00",
    "Subtotal: 1,037.39 EUR",
    "VAT 19%: 197.11 EUR",
    "Total: 1,234.50 EUR",
])


def page(number: int, text: str, source: str = "text") -> Page:
    return Page(number=number, width=595, height=842, source=source, text=text)  # type: ignore[arg-type]


def jpeg(text: str = "") -> bytes:
    """A small JPEG whose COM segment carries `text`: the fake server's 'OCR' reads it."""
    out = io.BytesIO()
    Image.new("RGB", (64, 64), "white").save(out, "JPEG", comment=text.encode())
    return out.getvalue()


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeLLM]:
    with FakeLLM() as server:
        yield server


@pytest.fixture
def fake(fake_server: FakeLLM) -> Iterator[FakeLLM]:
    """The shared server with clean script, log and knobs for each test."""
    fake_server.reset()
    fake_server.config = FakeConfig()
    yield fake_server
    deadline = time.monotonic() + 3
    while fake_server.in_flight and time.monotonic() < deadline:  # let hung requests end
        time.sleep(0.02)
    fake_server.reset()
    fake_server.config = FakeConfig()


@pytest.fixture
def make_settings(fake: FakeLLM) -> Callable[..., Settings]:
    def _make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "_env_file": None, "environment": "test",
            "groq_api_key": "test-groq-key", "mistral_api_key": "test-mistral-key",
            "groq_base_url": fake.url, "mistral_base_url": fake.url,
            "extraction_providers": "groq,mistral,local",
            "provider_timeout_seconds": 5, "provider_max_retries": 0,
            "circuit_failure_threshold": 3, "circuit_reset_seconds": 30,
        }
        return Settings(**(values | overrides))

    return _make

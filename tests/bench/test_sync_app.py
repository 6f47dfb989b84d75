"""The synchronous peer the benchmark compares against answers a real upload with its fields."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bench import sync_app
from tests.fakes.fixtures import fake, fake_server  # noqa: F401
from tests.helpers import invoice_pdf


@pytest.fixture
def peer(fake, monkeypatch, redis_url):  # noqa: F811
    for name, value in {"GROQ_API_KEY": "test-groq-key", "GROQ_BASE_URL": fake.url,
                        "REDIS_URL": redis_url, "PROVIDER_MAX_RETRIES": "0",
                        "SYNC_AI_SCOPE": "process", "ENVIRONMENT": "test"}.items():
        monkeypatch.setenv(name, value)
    return sync_app.build()


def test_the_peer_extracts_an_uploaded_invoice(peer):
    with TestClient(peer) as client:  # runs the app's lifespan
        answer = client.post("/v1/extract", data={"schema": "invoice"}, files={
            "file": ("invoice.pdf", invoice_pdf(), "application/pdf")})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["errors"] == {} and body["data"]["total"], body

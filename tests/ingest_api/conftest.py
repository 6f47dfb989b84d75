"""An in-process API (TestClient) on the real Kafka and Redis, with two tenants."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ingest_api.app import create_app
from tests.helpers import make_topics

ACME = {"X-API-Key": "acme-key-0123456789abcdef"}
GLOBEX = {"X-API-Key": "globex-key-0123456789abcdef"}


@pytest.fixture
def api_settings(settings):
    make_topics(settings)
    return settings.model_copy(update={
        "api_keys": "acme:acme-key-0123456789abcdef,globex:globex-key-0123456789abcdef",
        "rate_limit_per_minute": 6000, "rate_limit_burst": 1000,
    })


@pytest.fixture
def client(api_settings):
    with TestClient(create_app(api_settings)) as c:
        yield c

"""Issue 19: client addresses are hashed under a secret key; wrong API keys are rate-limited per
client, and a right key is never slowed by another client's failures."""

from __future__ import annotations

import hashlib

import pytest
import structlog
from pydantic import ValidationError
from structlog.testing import capture_logs

from config.settings import Settings
from ingest_api.app import create_app
from tests.ingest_api.asgi import client_from, running
from tests.ingest_api.conftest import ACME

pytestmark = pytest.mark.integration
KEY_A, KEY_B = "a" * 8 + "-first-ip-hash-key-0123456789", "b" * 8 + "-other-ip-hash-key-0123456789"


async def _client_field(settings: Settings, ip: str) -> str:
    app = create_app(settings)
    async with running(app), client_from(app, ip) as http:
        with capture_logs() as logs:
            await http.get("/health")
    return next(e["client"] for e in logs if e["event"] == "http.access")


async def test_access_log_hashes_the_address_under_ip_hash_key(api_settings):
    ip = "10.20.30.40"
    first = await _client_field(api_settings.model_copy(update={"ip_hash_key": KEY_A}), ip)
    again = await _client_field(api_settings.model_copy(update={"ip_hash_key": KEY_A}), ip)
    other = await _client_field(api_settings.model_copy(update={"ip_hash_key": KEY_B}), ip)
    unkeyed = hashlib.sha256(ip.encode()).hexdigest()
    assert first == again  # stable while the key lives: lines of one client can be grouped
    assert first != other  # a new key unlinks: rotation works
    assert not unkeyed.startswith(first) and first not in unkeyed


@pytest.mark.parametrize("key", ["", "changeme", "short-key"])
def test_production_refuses_a_missing_placeholder_or_short_ip_hash_key(key):
    with pytest.raises(ValidationError, match="IP_HASH_KEY"):
        Settings(_env_file=None, environment="production",
                 api_keys="acme:acme-key-0123456789abcdef", ip_hash_key=key)
    Settings(_env_file=None, environment="production",
             api_keys="acme:acme-key-0123456789abcdef", ip_hash_key=KEY_A)


async def test_development_without_a_key_logs_that_hashes_are_per_process(api_settings):
    with capture_logs() as logs:
        create_app(api_settings.model_copy(update={"ip_hash_key": ""}))
    assert [e["event"] for e in logs] == ["ip_hash.ephemeral_key"]


async def test_wrong_keys_are_429_after_a_burst_per_client(api_settings):
    settings = api_settings.model_copy(update={"auth_fail_burst": 5,
                                               "auth_fail_per_minute": 6})
    app = create_app(settings)
    wrong = {"X-API-Key": "guess-0000000000000000"}
    async with running(app), client_from(app, "198.51.100.1") as guesser, \
            client_from(app, "198.51.100.2") as neighbour:
        answers = [(await guesser.get("/v1/schemas", headers=wrong)).status_code
                   for _ in range(40)]
        blocked = await guesser.get("/v1/schemas", headers=wrong)
        right_from_guesser = await guesser.get("/v1/schemas", headers=ACME)
        right_from_neighbour = await neighbour.get("/v1/schemas", headers=ACME)
        wrong_from_neighbour = await neighbour.get("/v1/schemas", headers=wrong)
        missing = await neighbour.get("/v1/schemas")
    assert answers[:5] == [401] * 5 and set(answers[5:]) == {429}, answers
    assert blocked.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(blocked.headers["Retry-After"]) <= 10
    # While blocked, a right guess is not told apart from a wrong one.
    assert right_from_guesser.status_code == 429
    # Another client is not slowed by those failures.
    assert right_from_neighbour.status_code == 200
    assert wrong_from_neighbour.status_code == 401
    assert missing.status_code == 401  # a missing key teaches nothing and is not counted


async def test_no_log_line_carries_the_address(api_settings):
    ip = "192.0.2.55"
    app = create_app(api_settings)
    async with running(app), client_from(app, ip) as http:
        with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
            await http.get("/v1/schemas", headers={"X-API-Key": "wrong-key-000000000000"})
    assert logs and all(ip not in str(e) for e in logs)

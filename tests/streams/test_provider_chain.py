"""The provider chain: fallback, circuit breaker, Retry-After, limits, validation and repair.

Real SDKs against the fake LLM server; the local extractor is only asked to answer, never
checked for accuracy.
"""

from __future__ import annotations

import asyncio

import pytest

from config.errors import ProviderError, ProviderTimeout
from config.schemas import INVOICE
from stores.metrics import Metrics
from streams.extraction.providers import REGISTRY, ProviderChain
from streams.extraction.providers.circuit import CLOSED, HALF_OPEN, OPEN, CircuitBreaker
from streams.extraction.providers.prompts import REPAIR_MARKER
from tests.fakes.fixtures import INVOICE_TEXT, page

PAGES = [page(1, INVOICE_TEXT)]
DATE_AND_AMOUNTS = ["date", "due_date", "subtotal", "tax", "total"]  # what "invalid" breaks


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def sample(metrics: Metrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


CHAINS: list[ProviderChain] = []  # closed after each test, as the worker closes its own


@pytest.fixture(autouse=True)
async def close_chains():
    yield
    while CHAINS:
        await CHAINS.pop().aclose()


def chain_for(make_settings, providers: str, clock=None, **overrides):
    metrics = Metrics()
    settings = make_settings(extraction_providers=providers, **overrides)
    CHAINS.append(ProviderChain(settings, metrics, clock=clock or Clock()))
    return CHAINS[-1], metrics


def user_text(request) -> str:
    content = request["body"]["messages"][-1]["content"]
    return content if isinstance(content, str) else content[0]["text"]


def test_providers_without_a_key_are_skipped(make_settings):
    CHAINS.extend([ProviderChain(make_settings(), Metrics()),
                   ProviderChain(make_settings(groq_api_key=""), Metrics()),
                   ProviderChain(make_settings(groq_api_key="", mistral_api_key="",
                                               extraction_providers="groq,mistral"), Metrics())])
    full, keyless, nothing = CHAINS
    assert full.names == ["groq", "mistral", "local"]
    assert keyless.names == ["mistral", "local"]
    assert nothing.names == ["local"]  # last resort even when not listed


async def test_first_provider_answers_and_is_named(fake, make_settings):
    chain, metrics = chain_for(make_settings, "groq,mistral,local")
    result = await chain.extract(PAGES, INVOICE, {})
    assert (result.provider, result.model) == ("groq", make_settings().groq_model)
    assert result.data["total"] == "1234.50" and result.errors == {}
    assert [r["api"] for r in fake.requests()] == ["groq"]
    assert sample(metrics, "ai_requests_active") == 0
    assert sample(metrics, "provider_request_duration_seconds_count", provider="groq") == 1


async def test_outage_falls_back_to_the_next_provider(fake, make_settings):
    fake.outage("500", api="groq")
    chain, metrics = chain_for(make_settings, "groq,mistral,local", provider_max_retries=1)
    result = await chain.extract(PAGES, INVOICE, {})
    assert result.provider == "mistral"
    assert result.data["invoice_number"] == "INV-1001"
    assert len(fake.requests(api="groq")) == 2  # the SDK retried once
    assert sample(metrics, "provider_errors_total", provider="groq", code="provider_error") == 1


async def test_total_outage_falls_back_to_local(fake, make_settings):
    pytest.importorskip("streams.extraction.local")
    fake.outage("500")
    chain, _ = chain_for(make_settings, "groq,mistral,local")
    result = await chain.extract(PAGES, INVOICE, {})
    assert result.provider == "local"
    assert set(result.data) == set(INVOICE.fields)
    assert len(fake.requests()) == 2


async def test_without_local_a_total_outage_raises_a_transient_error(fake, make_settings):
    fake.outage("500")
    chain, _ = chain_for(make_settings, "groq,mistral")
    with pytest.raises(ProviderError) as caught:
        await chain.extract(PAGES, INVOICE, {})
    assert caught.value.transient


async def test_timeout_falls_back_or_raises(fake, make_settings):
    fake.config.timeout_s = 0.8
    fake.outage("timeout", api="groq")
    chain, _ = chain_for(make_settings, "groq,mistral", provider_timeout_seconds=0.3)
    assert (await chain.extract(PAGES, INVOICE, {})).provider == "mistral"
    only_groq, _ = chain_for(make_settings, "groq", provider_timeout_seconds=0.3)
    with pytest.raises(ProviderTimeout):
        await only_groq.extract(PAGES, INVOICE, {})


async def test_circuit_opens_after_n_failures_and_half_opens_after_reset(fake, make_settings):
    clock = Clock()
    chain, metrics = chain_for(make_settings, "groq,mistral", clock=clock,
                               circuit_failure_threshold=2, circuit_reset_seconds=30)
    fake.outage("500", api="groq")
    for _ in range(2):
        assert (await chain.extract(PAGES, INVOICE, {})).provider == "mistral"
    assert sample(metrics, "provider_circuit_open", provider="groq") == 1

    result = await chain.extract(PAGES, INVOICE, {})  # open: groq is not even asked
    assert result.provider == "mistral"
    assert len(fake.requests(api="groq")) == 2

    fake.outage(None, api="groq")
    clock.now += 30  # half-open: one trial call, which succeeds and closes the circuit
    assert (await chain.extract(PAGES, INVOICE, {})).provider == "groq"
    assert len(fake.requests(api="groq")) == 3
    assert sample(metrics, "provider_circuit_open", provider="groq") == 0


async def test_retry_after_keeps_the_chain_off_a_rate_limited_provider(fake, make_settings):
    clock = Clock()
    fake.config.retry_after = 5
    fake.script("429", api="groq")
    chain, _ = chain_for(make_settings, "groq,mistral", clock=clock)
    assert (await chain.extract(PAGES, INVOICE, {})).provider == "mistral"
    clock.now += 4
    assert (await chain.extract(PAGES, INVOICE, {})).provider == "mistral"
    assert len(fake.requests(api="groq")) == 1  # held for Retry-After
    clock.now += 1
    assert (await chain.extract(PAGES, INVOICE, {})).provider == "groq"


@pytest.mark.parametrize("name", ["groq", "mistral"])
async def test_invalid_answer_is_repaired_by_one_reask(name, fake, make_settings):
    fake.script("invalid", "ok", api=name)
    chain, _ = chain_for(make_settings, name)
    result = await chain.extract(PAGES, INVOICE, {})

    first, second = fake.requests(api=name)
    assert REPAIR_MARKER not in user_text(first)
    feedback = user_text(second).split(REPAIR_MARKER, 1)[1]
    assert "31/02/2024" in feedback
    for field in DATE_AND_AMOUNTS:
        assert f"- {field}:" in feedback
    assert result.errors == {}
    assert result.data["date"] == "2026-03-14" and result.data["total"] == "1234.50"
    assert result.provider == name


@pytest.mark.parametrize("name", ["groq", "mistral"])
async def test_still_invalid_fields_become_null_with_errors(name, fake, make_settings):
    fake.script("invalid", "invalid", api=name)
    chain, _ = chain_for(make_settings, name)
    result = await chain.extract(PAGES, INVOICE, {})

    assert len(fake.requests(api=name)) == 2  # one re-ask, no more
    assert set(result.errors) == set(DATE_AND_AMOUNTS)
    assert all(result.data[f] is None for f in DATE_AND_AMOUNTS)
    assert result.data["invoice_number"] == "INV-1001"  # valid fields survive


async def test_malformed_json_is_reasked_then_falls_back(fake, make_settings):
    fake.script("malformed", "ok", api="groq")
    chain, _ = chain_for(make_settings, "groq,mistral")
    result = await chain.extract(PAGES, INVOICE, {})
    assert (result.provider, result.errors) == ("groq", {})
    assert "not valid JSON" in user_text(fake.requests(api="groq")[1])

    fake.script("malformed", "malformed", api="groq")
    assert (await chain.extract(PAGES, INVOICE, {})).provider == "mistral"


async def test_malformed_everywhere_without_local_gives_nulls_not_an_exception(fake, make_settings):
    fake.outage("malformed")
    chain, _ = chain_for(make_settings, "groq")
    result = await chain.extract(PAGES, INVOICE, {})
    assert set(result.errors) == set(INVOICE.fields)
    assert all(result.data[f] in (None, []) for f in INVOICE.fields)


async def test_concurrent_requests_are_limited_per_provider(fake, make_settings):
    fake.config.latency_ms = 150
    chain, metrics = chain_for(make_settings, "groq", max_concurrent_ai_requests=2)
    results = await asyncio.gather(*(chain.extract(PAGES, INVOICE, {}) for _ in range(6)))
    assert {r.provider for r in results} == {"groq"}
    assert fake.max_in_flight == 2
    assert sample(metrics, "ai_requests_active") == 0


def test_circuit_breaker_states():
    clock = Clock()
    breaker = CircuitBreaker(threshold=2, reset_seconds=10, clock=clock)
    breaker.record_failure()
    assert breaker.state == CLOSED and breaker.allow()
    breaker.record_failure()
    assert breaker.state == OPEN and not breaker.allow()
    assert breaker.retry_in() == 10
    clock.now += 10
    assert breaker.state == HALF_OPEN
    assert breaker.allow() and not breaker.allow()  # one trial at a time
    breaker.record_failure()  # the trial failed: open again for a full period
    assert breaker.state == OPEN
    clock.now += 10
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state == CLOSED and breaker.failures == 0
    breaker.hold(3)
    assert not breaker.allow()
    clock.now += 3
    assert breaker.allow()


def test_reask_keeps_values_the_first_answer_had_right():
    from streams.extraction.providers.chain import _keep_valid

    first = {"invoice_number": "INV-1", "date": None, "total": None}
    second = {"invoice_number": None, "date": "2026-03-14", "total": None}
    data, errors = _keep_valid(first, {"date": "not a date", "total": "not an amount"},
                               second, {"total": "not an amount"})
    assert data == {"invoice_number": "INV-1", "date": "2026-03-14", "total": None}
    assert errors == {"total": "not an amount"}


def test_registry_builds_each_provider_under_its_own_name(make_settings):
    settings = make_settings()
    for name, spec in REGISTRY.items():
        assert spec.build(settings).name == name


def test_unknown_provider_names_are_refused_when_the_chain_is_built(make_settings):
    with pytest.raises(ValueError, match="unknown providers"):
        ProviderChain(make_settings(extraction_providers="groq,openai"), Metrics())

"""Groq and Mistral providers through their real SDKs, against the fake LLM server."""

from __future__ import annotations

import base64
import time

import httpx
import httpx2
import pytest
from groq._utils import async_maybe_transform
from groq.types.chat.completion_create_params import CompletionCreateParams

from config.errors import ProviderError, ProviderRateLimited, ProviderTimeout
from config.schemas import INVOICE
from streams.extraction.providers.base import Repair
from streams.extraction.providers.groq import MODES, GroqProvider, chat_body
from streams.extraction.providers.mistral import MistralProvider
from streams.extraction.providers.prompts import REPAIR_MARKER, build_messages, chunk_pages
from tests.fakes.fixtures import INVOICE_TEXT, jpeg, page

PROVIDERS = {"groq": GroqProvider, "mistral": MistralProvider}
PATHS = {"groq": "/openai/v1/chat/completions", "mistral": "/v1/chat/completions"}


def build(name, settings, **kw):
    return PROVIDERS[name](settings, **kw)


def user_content(request) -> str | list:
    return next(m["content"] for m in request["body"]["messages"] if m["role"] == "user")


def all_text(request) -> str:
    parts = []
    for message in request["body"]["messages"]:
        content = message["content"]
        parts += [content] if isinstance(content, str) else [
            p.get("text", "") for p in content if p.get("type") == "text"]
    return "\n".join(parts)


@pytest.mark.parametrize("name", ["groq", "mistral"])
async def test_text_request_shape(name, fake, make_settings):
    settings = make_settings()
    provider = build(name, settings)
    answer = await provider.extract([page(1, INVOICE_TEXT)], INVOICE, {})
    data, model = answer.data, answer.model
    await provider.aclose()

    [request] = fake.requests(api=name)
    body = request["body"]
    assert request["path"] == PATHS[name]
    assert body["model"] == model == (settings.groq_model if name == "groq"
                                      else settings.mistral_model)
    assert request["authorization"] == f"Bearer test-{name}-key"
    text = all_text(request)
    for spec in INVOICE.fields.values():
        assert spec.description in text
    assert "Invoice Number: INV-1001" in text
    assert isinstance(user_content(request), str)  # no image parts for a text page
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["schema"] == INVOICE.json_schema()
    assert data["invoice_number"] == "INV-1001" and data["total"] == "1234.50"


@pytest.mark.parametrize("name", ["groq", "mistral"])
async def test_scanned_page_goes_as_image(name, fake, make_settings):
    settings = make_settings(mistral_use_ocr=False)
    provider = build(name, settings)
    scan = jpeg("Total: 99.90 EUR")
    pages = [page(1, INVOICE_TEXT), page(2, "t0tal 99,9O", source="image")]
    data = (await provider.extract(pages, INVOICE, {2: scan})).data
    await provider.aclose()

    [request] = fake.requests(api=name)
    if name == "groq":
        assert request["model"] == settings.groq_vision_model
    parts = user_content(request)
    images = [p for p in parts if p["type"] == "image_url"]
    assert len(images) == 1
    url = images[0]["image_url"]["url"]
    assert url.startswith("data:image/jpeg;base64,")
    assert base64.b64decode(url.split(",", 1)[1]) == scan
    assert "Invoice Number: INV-1001" in parts[0]["text"]
    assert data["invoice_number"] == "INV-1001"


async def test_mistral_ocr_runs_first_and_its_markdown_is_sent(fake, make_settings):
    provider = MistralProvider(make_settings(mistral_use_ocr=True))
    pages = [page(1, "scan", source="image")]
    data = (await provider.extract(pages, INVOICE, {1: jpeg("Invoice Number: OCR-77")})).data
    await provider.aclose()

    ocr, chat = fake.requests(api="mistral")
    assert (ocr["path"], chat["path"]) == ("/v1/ocr", "/v1/chat/completions")
    assert ocr["body"]["model"] == "mistral-ocr-latest"
    assert ocr["body"]["document"]["type"] == "image_url"
    assert isinstance(user_content(chat), str)  # OCR text replaced the image
    assert "Invoice Number: OCR-77" in user_content(chat)
    assert data["invoice_number"] == "OCR-77"


@pytest.mark.parametrize("name", ["groq", "mistral"])
async def test_429_is_retried_after_retry_after(name, fake, make_settings):
    fake.config.retry_after = 1
    fake.script("429", "ok", api=name)
    provider = build(name, make_settings(provider_max_retries=2))
    started = time.monotonic()
    data = (await provider.extract([page(1, INVOICE_TEXT)], INVOICE, {})).data
    elapsed = time.monotonic() - started
    await provider.aclose()

    assert [r["fault"] for r in fake.requests(api=name)] == ["429", "ok"]
    assert elapsed >= 0.95
    assert data["total"] == "1234.50"


@pytest.mark.parametrize("name", ["groq", "mistral"])
async def test_429_beyond_retries_maps_to_rate_limited(name, fake, make_settings):
    fake.config.retry_after = 7
    fake.outage("429", api=name)
    provider = build(name, make_settings(provider_max_retries=0))
    with pytest.raises(ProviderRateLimited) as caught:
        await provider.extract([page(1, INVOICE_TEXT)], INVOICE, {})
    await provider.aclose()
    assert caught.value.retry_after == 7
    assert len(fake.requests(api=name)) == 1


@pytest.mark.parametrize("name", ["groq", "mistral"])
async def test_5xx_is_retried(name, fake, make_settings):
    fake.script("500", "ok", api=name)
    provider = build(name, make_settings(provider_max_retries=2))
    data = (await provider.extract([page(1, INVOICE_TEXT)], INVOICE, {})).data
    await provider.aclose()
    assert [r["fault"] for r in fake.requests(api=name)] == ["500", "ok"]
    assert data["invoice_number"] == "INV-1001"


@pytest.mark.parametrize("name", ["groq", "mistral"])
async def test_5xx_beyond_retries_is_a_provider_error(name, fake, make_settings):
    fake.outage("500", api=name)
    provider = build(name, make_settings(provider_max_retries=1))
    with pytest.raises(ProviderError) as caught:
        await provider.extract([page(1, INVOICE_TEXT)], INVOICE, {})
    await provider.aclose()
    assert caught.value.code == "provider_error" and caught.value.transient
    assert len(fake.requests(api=name)) == 2


@pytest.mark.parametrize("name", ["groq", "mistral"])
async def test_timeout(name, fake, make_settings):
    fake.config.timeout_s = 0.8  # hangs past the client's 0.3 s
    fake.script("timeout", api=name)
    provider = build(name, make_settings(provider_timeout_seconds=0.3, provider_max_retries=0))
    started = time.monotonic()
    with pytest.raises(ProviderTimeout):
        await provider.extract([page(1, INVOICE_TEXT)], INVOICE, {})
    await provider.aclose()
    assert time.monotonic() - started < 1.5


async def test_groq_steps_down_to_json_object_when_schema_is_refused(fake, make_settings):
    settings = make_settings(groq_model="llama-3.3-70b-versatile")  # best-effort schema model
    fake.config.json_schema_models = frozenset({settings.groq_vision_model})
    provider = GroqProvider(settings)
    data = (await provider.extract([page(1, INVOICE_TEXT)], INVOICE, {})).data
    again = (await provider.extract([page(1, INVOICE_TEXT)], INVOICE, {})).data
    await provider.aclose()

    formats = [r["body"]["response_format"]["type"] for r in fake.requests(api="groq")]
    assert formats == ["json_schema", "json_object", "json_object"]  # remembered per model
    assert data["total"] == again["total"] == "1234.50"


async def test_repair_feedback_reaches_the_prompt(fake, make_settings):
    from streams.extraction.providers.base import Repair

    provider = GroqProvider(make_settings())
    repair = Repair(errors={"date": "not a date: '31/02/2024'"}, previous={"date": "31/02/2024"})
    await provider.extract([page(1, INVOICE_TEXT)], INVOICE, {}, repair=repair)
    await provider.aclose()
    text = all_text(fake.requests(api="groq")[0])
    assert REPAIR_MARKER in text and "- date: not a date: '31/02/2024'" in text


async def test_long_documents_are_chunked_and_merged(fake, make_settings):
    provider = GroqProvider(make_settings(), chunk_chars=120)
    pages = [
        page(1, "ACME Widgets GmbH\nWidget A 2 10.00 20.00\n" + "filler " * 10),
        page(2, "Invoice Number: INV-2\nTotal: 30.00 EUR\n" + "filler " * 10),
        page(3, "Invoice Number: INV-3\nWidget B 1 10.00 10.00\n" + "filler " * 10),
    ]
    data = (await provider.extract(pages, INVOICE, {})).data
    await provider.aclose()

    assert len(fake.requests(api="groq")) == 3
    assert data["invoice_number"] == "INV-2"  # first non-null in page order
    assert data["total"] == "30.00"
    assert [i["description"] for i in data["line_items"]] == ["Widget A", "Widget B"]


async def test_http_clients_are_injectable(fake, make_settings):
    seen: list[str] = []

    async def hook(request):
        seen.append(str(request.url.path))

    settings = make_settings()
    async with httpx.AsyncClient(event_hooks={"request": [hook]}) as client:
        groq = GroqProvider(settings, http_client=client)
        await groq.extract([page(1, INVOICE_TEXT)], INVOICE, {})
    async with httpx2.AsyncClient(event_hooks={"request": [hook]}) as client2:
        mistral = MistralProvider(settings, http_client=client2)
        await mistral.extract([page(1, INVOICE_TEXT)], INVOICE, {})
    assert seen == ["/openai/v1/chat/completions", "/v1/chat/completions"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("scanned", [False, True])
async def test_groq_body_is_what_the_sdk_create_would_send(mode, scanned):
    """GroqProvider posts its body as is; the SDK's create() would transform it first."""
    pages = [page(1, "" if scanned else INVOICE_TEXT, "image" if scanned else "text")]
    images = {1: jpeg("ACME GmbH")} if scanned else {}
    repair = Repair(errors={"total": "not a decimal"}, previous={"total": "x"})
    [chunk] = chunk_pages(pages, images)
    messages = build_messages(chunk, INVOICE, repair)
    body = chat_body("some-model", messages, mode, INVOICE)
    assert await async_maybe_transform(body, CompletionCreateParams) == body

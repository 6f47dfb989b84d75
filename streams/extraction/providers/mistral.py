"""Mistral through its official SDK (`mistralai` 3.x, which speaks HTTP through `httpx2`).

The SDK has no retries unless configured, and its retry loop is bounded by elapsed time, not
attempts; we retry with tenacity instead, with the same policy as the groq SDK (Retry-After
honoured, else exponential backoff) and `provider_max_retries` retries. Scanned pages go through
`/v1/ocr` first when MISTRAL_USE_OCR is set, otherwise as images to the (vision-capable) model.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, TypeVar

import httpx
import httpx2
import structlog
from mistralai.client import Mistral, errors
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt

from config.errors import ProviderError, ProviderOutput, ProviderRateLimited, ProviderTimeout
from config.schemas import SchemaDef
from config.settings import Settings
from streams.document import Extraction, Page

from .base import ProviderSpec, Repair, parse_retry_after, retry_wait
from .prompts import (
    DEFAULT_CHUNK_CHARS,
    build_messages,
    chunk_pages,
    data_url,
    merge,
    parse_answer,
)

log = structlog.get_logger(__name__)
T = TypeVar("T")

MAX_IMAGES = 8  # Mistral vision models take up to 8 images per request
MAX_IMAGE_BYTES = 7 * 1024 * 1024  # of raw JPEG; requests are capped at 10 MB after base64
RETRY_STATUS = {408, 409, 429}
_TIMEOUTS = (httpx2.TimeoutException, httpx.TimeoutException)
_TRANSPORT = (httpx2.TransportError, httpx.TransportError, errors.NoResponseError)


def map_error(exc: BaseException) -> ProviderError:
    """One of our ProviderError classes for an SDK (or transport) exception."""
    if isinstance(exc, _TIMEOUTS):
        return ProviderTimeout(f"mistral: request timed out: {type(exc).__name__}")
    if isinstance(exc, errors.ResponseValidationError):
        return ProviderOutput(f"mistral: unexpected response: {exc.message[:300]}")
    if isinstance(exc, errors.MistralError):
        if exc.status_code == 429:
            retry_after = parse_retry_after(exc.headers)
            return ProviderRateLimited("mistral: rate limited", retry_after=retry_after)
        return ProviderError(f"mistral: HTTP {exc.status_code}: {exc.body[:300]}")
    return ProviderError(f"mistral: {type(exc).__name__}: {exc}")


def retryable(exc: BaseException) -> bool:
    if isinstance(exc, errors.ResponseValidationError):
        return False
    if isinstance(exc, errors.MistralError):
        return exc.status_code in RETRY_STATUS or exc.status_code >= 500
    return isinstance(exc, _TRANSPORT)


def response_format(schema: SchemaDef) -> dict[str, Any]:
    return {
        "type": "json_schema",
        "json_schema": {
            "name": schema.name,
            "description": schema.description or schema.name,
            "schema": schema.json_schema(),
            "strict": True,
        },
    }


def _content_text(content: Any) -> str | None:
    """Message content is a string, or a list of chunks of which the text ones count."""
    if content is None or isinstance(content, str):
        return content
    return "".join(getattr(chunk, "text", "") or "" for chunk in content)


class MistralProvider:
    name = "mistral"

    def __init__(
        self,
        settings: Settings,
        *,
        http_client: httpx2.AsyncClient | None = None,
        chunk_chars: int = DEFAULT_CHUNK_CHARS,
    ) -> None:
        self._client = Mistral(
            api_key=settings.mistral_api_key,
            server_url=settings.mistral_base_url,
            async_client=http_client,
            timeout_ms=int(settings.provider_timeout_seconds * 1000),
        )
        self._model = settings.mistral_model
        self._ocr_model = settings.mistral_ocr_model
        self._use_ocr = settings.mistral_use_ocr
        self._max_retries = settings.provider_max_retries
        self._chunk_chars = chunk_chars

    async def extract(
        self,
        pages: list[Page],
        schema: SchemaDef,
        images: dict[int, bytes],
        *,
        repair: Repair | None = None,
    ) -> Extraction:
        if self._use_ocr and images:
            pages, images = await self._ocr_scans(pages, images)
        chunks = chunk_pages(pages, images, max_chars=self._chunk_chars,
                             max_images=MAX_IMAGES, max_image_bytes=MAX_IMAGE_BYTES)
        answers, models = [], []
        for chunk in chunks:
            messages = build_messages(chunk, schema, repair, max_chars=self._chunk_chars)
            answer, used = await self._retrying(partial(self._ask, messages, schema))
            answers.append(answer)
            models.append(used)
        return Extraction(data=merge(answers, schema), provider=self.name,
                          model="+".join(dict.fromkeys(models)))

    async def _ocr_scans(
        self, pages: list[Page], images: dict[int, bytes]
    ) -> tuple[list[Page], dict[int, bytes]]:
        """Replace each scanned page's text by Mistral OCR's markdown; no images remain."""
        out = []
        for page in pages:
            jpeg = images.get(page.number) if page.source == "image" else None
            if jpeg is not None:
                markdown = await self._retrying(partial(self._ocr, jpeg))
                page = page.model_copy(update={"text": markdown})
            out.append(page)
        return out, {}

    async def _ocr(self, jpeg: bytes) -> str:
        response = await self._client.ocr.process_async(
            model=self._ocr_model,
            document={"type": "image_url", "image_url": data_url(jpeg)},
        )
        return "\n\n".join(page.markdown for page in response.pages)

    async def _ask(
        self, messages: list[dict[str, Any]], schema: SchemaDef
    ) -> tuple[dict[str, Any], str]:
        response = await self._client.chat.complete_async(
            model=self._model,
            messages=messages,  # type: ignore[arg-type]
            response_format=response_format(schema),  # type: ignore[arg-type]
            temperature=0,
        )
        if not response.choices or response.choices[0].message is None:
            raise ProviderOutput("mistral: answer has no message")
        content = _content_text(response.choices[0].message.content)
        return parse_answer(content), response.model or self._model

    async def _retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        """`call`, retried on transient SDK errors; our ProviderError once retries run out."""
        try:
            async for attempt in AsyncRetrying(
                retry=retry_if_exception(retryable), stop=stop_after_attempt(self._max_retries + 1),
                wait=retry_wait(lambda exc: map_error(exc).retry_after), reraise=True,
                before_sleep=lambda state: log.info(
                    "provider.retry", provider=self.name, attempt=state.attempt_number),
            ):
                with attempt:
                    return await call()
        except (errors.MistralError, *_TRANSPORT, *_TIMEOUTS) as exc:
            raise map_error(exc) from exc
        raise AssertionError("unreachable: tenacity re-raises the last error")

    async def aclose(self) -> None:
        await self._client.__aexit__(None, None, None)


SPEC = ProviderSpec("mistral", configured=lambda s: bool(s.mistral_api_key),
                    build=MistralProvider)

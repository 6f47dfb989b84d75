"""Groq through its official SDK: a text model for text pages, a vision model for scans.

Structured output: `json_schema` with `strict: true` where Groq offers constrained decoding
(the gpt-oss models), best-effort `json_schema` elsewhere. A model that rejects the format with
a 400 is stepped down (strict -> best effort -> `json_object`) once and remembered. The SDK
retries 429 (honouring Retry-After), 408/409, 5xx and timeouts itself.
"""

from __future__ import annotations

from typing import Any

import groq
import httpx
import structlog
from groq.types.chat import ChatCompletion

from config.errors import ProviderError, ProviderOutput, ProviderRateLimited, ProviderTimeout
from config.schemas import SchemaDef
from config.settings import Settings
from streams.document import Extraction, Page

from .base import ProviderSpec, Repair, parse_retry_after
from .prompts import DEFAULT_CHUNK_CHARS, build_messages, chunk_pages, merge, parse_answer

log = structlog.get_logger(__name__)

MODES = ("strict", "schema", "json_object")
CHAT_PATH = "/openai/v1/chat/completions"
STRICT_PREFIXES = ("openai/gpt-oss-",)


def response_format(mode: str, schema: SchemaDef) -> dict[str, Any]:
    if mode == "json_object":
        return {"type": "json_object"}
    return {
        "type": "json_schema",
        "json_schema": {
            "name": schema.name,
            "description": schema.description or schema.name,
            "schema": schema.json_schema(),
            "strict": mode == "strict",
        },
    }


def chat_body(model: str, messages: list[dict[str, Any]], mode: str,
              schema: SchemaDef) -> dict[str, Any]:
    """The chat completion request, as `chat.completions.create` would send it.

    Sent with the client's own `post` (retries, errors and the typed `ChatCompletion` as for
    `create`): `create` first walks every message and the whole JSON schema against its typed
    params to rename aliased keys, which chat has none of (test_providers checks that it leaves
    this body as it is). That walk is pure overhead on every document's path.
    """
    return {"model": model, "messages": messages,
            "response_format": response_format(mode, schema), "temperature": 0}


def first_mode(model: str) -> str:
    return "strict" if model.startswith(STRICT_PREFIXES) else "schema"


def _rejects_format(exc: groq.BadRequestError) -> bool:
    text = str(exc).lower()
    return any(word in text for word in ("response_format", "response format", "json_schema",
                                         "strict"))


def map_error(exc: groq.GroqError) -> ProviderError:
    """One of our ProviderError classes for an SDK exception (after the SDK's own retries)."""
    if isinstance(exc, groq.APITimeoutError):
        return ProviderTimeout(f"groq: request timed out: {exc}")
    if isinstance(exc, groq.RateLimitError):
        retry_after = parse_retry_after(exc.response.headers)
        return ProviderRateLimited("groq: rate limited", retry_after=retry_after)
    if isinstance(exc, groq.APIStatusError):
        return ProviderError(f"groq: HTTP {exc.status_code}: {exc.message}")
    if isinstance(exc, groq.APIResponseValidationError):
        return ProviderOutput(f"groq: unexpected response: {exc}")
    return ProviderError(f"groq: {type(exc).__name__}: {exc}")


class GroqProvider:
    name = "groq"

    def __init__(
        self,
        settings: Settings,
        *,
        http_client: httpx.AsyncClient | None = None,
        chunk_chars: int = DEFAULT_CHUNK_CHARS,
    ) -> None:
        self._client = groq.AsyncGroq(
            api_key=settings.groq_api_key,
            base_url=settings.groq_base_url,
            timeout=settings.provider_timeout_seconds,
            max_retries=settings.provider_max_retries,
            # The SDK's aiohttp transport (the `aiohttp` extra): lighter per call than httpx.
            http_client=http_client or groq.DefaultAioHttpClient(),
        )
        self._text_model = settings.groq_model
        self._vision_model = settings.groq_vision_model
        self._chunk_chars = chunk_chars
        self._modes: dict[str, str] = {}  # model -> response format it accepts

    async def extract(
        self,
        pages: list[Page],
        schema: SchemaDef,
        images: dict[int, bytes],
        *,
        repair: Repair | None = None,
    ) -> Extraction:
        answers, models = [], []
        for chunk in chunk_pages(pages, images, max_chars=self._chunk_chars):
            model = self._vision_model if chunk.images else self._text_model
            messages = build_messages(chunk, schema, repair, max_chars=self._chunk_chars)
            answer, used = await self._ask(model, messages, schema)
            answers.append(answer)
            models.append(used)
        return Extraction(data=merge(answers, schema), provider=self.name,
                          model="+".join(dict.fromkeys(models)))

    async def _ask(
        self, model: str, messages: list[dict[str, Any]], schema: SchemaDef
    ) -> tuple[dict[str, Any], str]:
        while True:
            mode = self._modes.get(model) or first_mode(model)
            try:
                response = await self._client.post(CHAT_PATH, cast_to=ChatCompletion,
                                                   body=chat_body(model, messages, mode, schema))
            except groq.BadRequestError as exc:
                if mode == MODES[-1] or not _rejects_format(exc):
                    raise map_error(exc) from exc
                self._modes[model] = MODES[MODES.index(mode) + 1]
                log.warning("groq.format_downgraded", model=model, to=self._modes[model])
                continue
            except groq.GroqError as exc:
                raise map_error(exc) from exc
            if not response.choices:
                raise ProviderOutput("groq: answer has no choices")
            return parse_answer(response.choices[0].message.content), response.model or model

    async def aclose(self) -> None:
        await self._client.close()


SPEC = ProviderSpec("groq", configured=lambda s: bool(s.groq_api_key), build=GroqProvider)

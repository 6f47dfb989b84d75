"""What the fake LLM answers a request with: the fault it draws, and the reply that makes.

Faults, per request:

    ok         a schema-valid answer
    429        rate limited, with Retry-After
    500        server error
    503        service unavailable (a provider outage)
    timeout    hang for `timeout_s` (past any sane client timeout)
    malformed  content that is not JSON
    invalid    schema-typed but format-violating values ("31/02/2024", "12.34 + 2.34 VAT")
    arithmetic a valid answer whose total is 10.00 off (subtotal + tax != total)

`Faults` draws them: from a script, else a standing outage, else at random from the rates.
The replies are shaped like Groq's and Mistral's: error bodies, chat completions whose content
fills the request's JSON schema from the document text (`answers.py`), OCR pages. The server
that sends them is `fake_llm.py`.
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections import defaultdict, deque
from typing import Any

from fastapi.responses import JSONResponse

from .answers import (
    break_arithmetic,
    corrupt,
    document_text,
    fill,
    image_text,
    schema_from_guide,
)

FAULTS = ("ok", "429", "500", "503", "timeout", "malformed", "invalid", "arithmetic")


class Faults:
    """The fault each request gets, per api ("groq", "mistral"; "*" for both); thread-safe."""

    def __init__(self, rates: dict[str, float], seed: int | None = None) -> None:
        self._rates = rates
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._script: dict[str, deque[str]] = defaultdict(deque)
        self._outage: dict[str, str] = {}

    def script(self, *faults: str, api: str = "*") -> None:
        """Faults for the next requests to `api`, in order."""
        unknown = set(faults) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown faults {unknown}")
        with self._lock:
            self._script[api].extend(faults)

    def outage(self, fault: str | None, api: str = "*") -> None:
        """Answer every request to `api` with `fault` until called again with None."""
        with self._lock:
            if fault is None:
                self._outage.pop(api, None)
            else:
                self._outage[api] = fault

    def next(self, api: str) -> str:
        """The next request's fault: scripted, else the outage's, else drawn from the rates."""
        with self._lock:
            for key in (api, "*"):
                if self._script[key]:
                    return self._script[key].popleft()
            for key in (api, "*"):
                if key in self._outage:
                    return self._outage[key]
            roll = self._rng.random()
        for fault, rate in self._rates.items():
            if roll < rate:
                return fault
            roll -= rate
        return "ok"

    def clear(self) -> None:
        """Forget the script and any outage."""
        with self._lock:
            self._script.clear()
            self._outage.clear()


def format_rejection(api: str, body: dict, allowed: frozenset[str] | None) -> JSONResponse | None:
    """Groq's 400 for `json_schema` output from a model not in `allowed` (None: all allowed)."""
    fmt = (body.get("response_format") or {}).get("type")
    if api != "groq" or allowed is None or fmt != "json_schema" or body["model"] in allowed:
        return None
    message = "This model does not support response format `json_schema`."
    return JSONResponse({"error": {"message": message, "type": "invalid_request_error",
                                   "param": "response_format"}}, status_code=400)


def error_reply(api: str, status: int, retry_after: float) -> JSONResponse:
    """A 429, 500 or 503 with the body that api sends (and Retry-After on a 429)."""
    headers = {"retry-after": f"{retry_after:g}"} if status == 429 else {}
    message, kind = {429: ("rate limit reached", "rate_limit_exceeded"),
                     503: ("service unavailable", "service_unavailable")}.get(
        status, ("internal server error", "internal_server_error"))
    if api == "groq":
        content: dict[str, Any] = {"error": {"message": message, "type": kind}}
    else:
        content = {"object": "error", "message": message, "type": "api_error", "code": status}
    return JSONResponse(content, status_code=status, headers=headers)


def _schema_of(body: dict) -> dict[str, Any]:
    """The request's json_schema, else the field list its system prompt gives."""
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return fmt["json_schema"]["schema"]
    system = next((m["content"] for m in body.get("messages", []) if m.get("role") == "system"), "")
    return schema_from_guide(system if isinstance(system, str) else "")


def chat_reply(body: dict, fault: str) -> dict[str, Any]:
    """A chat completion whose content fills the request's schema, spoiled as `fault` says."""
    schema = _schema_of(body)
    text = document_text(body.get("messages", []))
    answer = fill(schema, text)
    if fault == "invalid":
        answer = corrupt(answer, schema)
    elif fault == "arithmetic":
        answer = break_arithmetic(answer)
    content = json.dumps(answer, ensure_ascii=False)
    if fault == "malformed":
        content = content[: max(1, len(content) // 2)]
    prompt_tokens = len(json.dumps(body.get("messages", []))) // 4
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:12]}", "object": "chat.completion",
        "created": int(time.time()), "model": body.get("model", "fake"),
        "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                     "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": len(content) // 4,
                  "total_tokens": prompt_tokens + len(content) // 4},
        "system_fingerprint": "fp_fake",
    }


def ocr_reply(body: dict) -> dict[str, Any]:
    """One OCR page: the text the request's image carries (`answers.image_text`)."""
    document = body.get("document") or {}
    markdown = image_text(document.get("image_url", ""))
    return {
        "pages": [{"index": 0, "markdown": markdown, "images": [],
                   "dimensions": {"dpi": 200, "height": 2339, "width": 1654}}],
        "model": body.get("model", "fake-ocr"),
        "usage_info": {"pages_processed": 1, "doc_size_bytes": len(json.dumps(document))},
    }

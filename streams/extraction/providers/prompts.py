"""Prompts built from a schema's field descriptions, page chunking, answer parsing and merging.

Long documents are cut into chunks of whole pages that fit a character budget (and an image
budget for scanned pages); each chunk is extracted on its own and the answers are merged in
page order: the first non-null scalar wins, list fields are concatenated.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from typing import Any

import structlog

from config.errors import ProviderOutput
from config.schemas import FieldSpec, SchemaDef
from streams.document import Page

from .base import Repair

log = structlog.get_logger(__name__)

DEFAULT_CHUNK_CHARS = 24_000
DEFAULT_MAX_IMAGES = 5  # Groq's vision models take at most 5 images per request
DEFAULT_MAX_IMAGE_BYTES = 3 * 1024 * 1024  # base64 adds a third; Groq caps requests at 4 MB

_TYPE_HINTS = {
    "string": "text, copied as written",
    "date": "date as YYYY-MM-DD",
    "amount": "decimal string with a dot, no currency sign or thousands separator, e.g. 1234.50",
    "number": "number",
    "integer": "integer",
    "currency": "ISO 4217 code, e.g. EUR",
    "boolean": "true or false",
}

RULES = (
    "Rules: answer with one JSON object holding every key above. Use null when the document "
    "does not state a value; never guess or compute values that are not written. "
    "The document may be sent in parts: extract only what this part shows."
)

REPAIR_MARKER = "Your previous answer failed validation."


@dataclass
class Chunk:
    pages: list[Page]
    images: dict[int, bytes] = field(default_factory=dict)  # page number -> JPEG, scans only
    total_pages: int = 0


def chunk_pages(
    pages: list[Page],
    images: dict[int, bytes],
    *,
    max_chars: int = DEFAULT_CHUNK_CHARS,
    max_images: int = DEFAULT_MAX_IMAGES,
    max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
) -> list[Chunk]:
    """Whole pages, in order, packed into chunks within the budgets (a page never splits)."""
    chunks: list[Chunk] = []
    current, chars, image_bytes = Chunk([]), 0, 0
    for page in sorted(pages, key=lambda p: p.number):
        image = images.get(page.number) if page.source == "image" else None
        size = len(page.text)
        extra = len(image) if image else 0
        full = current.pages and (
            chars + size > max_chars
            or (image and (len(current.images) >= max_images
                           or image_bytes + extra > max_image_bytes))
        )
        if full:
            chunks.append(current)
            current, chars, image_bytes = Chunk([]), 0, 0
        current.pages.append(page)
        chars += size
        if image:
            current.images[page.number] = image
            image_bytes += extra
    if current.pages:
        chunks.append(current)
    for chunk in chunks:
        chunk.total_pages = len(pages)
    return chunks


def field_guide(schema: SchemaDef) -> str:
    lines = [_field_line(name, spec) for name, spec in schema.fields.items()]
    return "\n".join(lines)


def _field_line(name: str, spec: FieldSpec) -> str:
    if spec.type == "array":
        keys = ", ".join(f"{k} ({_TYPE_HINTS[s.type]}): {s.description}"
                         for k, s in (spec.items or {}).items())
        return f"- {name} (list of objects, [] when none; keys: {keys}): {spec.description}"
    return f"- {name} ({_TYPE_HINTS[spec.type]}): {spec.description}"


def system_prompt(schema: SchemaDef) -> str:
    what = f"{schema.name}: {schema.description}" if schema.description else schema.name
    return (
        "You extract structured data from business documents and answer in JSON only.\n"
        f"Document type: {what}.\nFields:\n{field_guide(schema)}\n{RULES}"
    )


def pages_text(chunk: Chunk, *, max_chars: int = DEFAULT_CHUNK_CHARS) -> str:
    first, last = chunk.pages[0].number, chunk.pages[-1].number
    head = f"Document pages {first}-{last} of {chunk.total_pages}."
    parts = [head]
    for page in chunk.pages:
        if page.number in chunk.images:
            label = f"--- page {page.number} (scanned image attached; OCR text may have errors) ---"
        else:
            label = f"--- page {page.number} ---"
        text = page.text
        if len(text) > max_chars:
            log.warning("prompt.page_truncated", page=page.number, chars=len(text), kept=max_chars)
            text = text[:max_chars]
        parts.append(f"{label}\n{text}")
    return "\n\n".join(parts)


def repair_text(repair: Repair) -> str:
    lines = [REPAIR_MARKER]
    if repair.previous is not None:
        lines.append("You answered: " + json.dumps(repair.previous, ensure_ascii=False))
    lines.append("These fields were rejected:")
    lines += [f"- {name}: {why}" for name, why in repair.errors.items()]
    lines.append(
        "Answer again with the complete JSON object: correct these fields to the required "
        "format, or use null where the document gives no valid value."
    )
    return "\n".join(lines)


def build_messages(
    chunk: Chunk, schema: SchemaDef, repair: Repair | None, *, max_chars: int = DEFAULT_CHUNK_CHARS
) -> list[dict[str, Any]]:
    """OpenAI-style chat messages (Groq and Mistral both take them): text, then page images."""
    text = pages_text(chunk, max_chars=max_chars)
    if repair is not None:
        text += "\n\n" + repair_text(repair)
    content: str | list[dict[str, Any]] = text
    if chunk.images:
        content = [{"type": "text", "text": text}] + [
            {"type": "image_url", "image_url": {"url": data_url(jpeg)}}
            for _, jpeg in sorted(chunk.images.items())
        ]
    return [
        {"role": "system", "content": system_prompt(schema)},
        {"role": "user", "content": content},
    ]


def data_url(jpeg: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")


def parse_answer(content: str | None) -> dict[str, Any]:
    """The JSON object in a model's reply; ProviderOutput when there is none."""
    text = _FENCE.sub("", (content or "").strip())
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise ProviderOutput(f"answer is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise ProviderOutput(f"answer is a JSON {type(value).__name__}, not an object")
    return value


def merge(answers: list[dict[str, Any]], schema: SchemaDef) -> dict[str, Any]:
    """Merge per-chunk answers given in page order."""
    if len(answers) == 1:
        return answers[0]
    merged: dict[str, Any] = {}
    for name, spec in schema.fields.items():
        if spec.type == "array":
            items: list[Any] = []
            for answer in answers:
                value = answer.get(name)
                items += value if isinstance(value, list) else []
            merged[name] = items
        else:
            merged[name] = next((a[name] for a in answers if a.get(name) is not None), None)
    return merged

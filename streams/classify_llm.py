"""The LLM path of `schema=auto`: the provider chain answers a per-page type and boundary.

The question is itself a schema (one array item per page: its type, whether a new document
starts there, how sure the model is), so every provider's structured outputs, validation and
re-ask apply unchanged. An answer that is not a clean per-page plan (a page missing or twice, an
unknown type) returns None and the caller falls back to the local classifier.
"""

from __future__ import annotations

from typing import Any

import structlog

from config.errors import ProviderError
from config.schemas import OTHER, FieldSpec, SchemaDef
from streams.classify import PagePart
from streams.document import Page
from streams.page_signals import PageSignals

log = structlog.get_logger()
LOCAL = "local"


def plan_schema(candidates: dict[str, SchemaDef]) -> SchemaDef:
    kinds = ", ".join([*candidates, OTHER])
    return SchemaDef(
        name="page_split",
        description="Which document each page of this file belongs to",
        fields={"pages": FieldSpec(
            type="array",
            description=f"one entry per page in page order; type is one of: {kinds}"[:300],
            items={
                "page": FieldSpec(type="integer", description="page number, from 1"),
                "type": FieldSpec(type="string", description=f"one of: {kinds}"[:300]),
                "starts_document": FieldSpec(
                    type="boolean", description="a new document starts on this page"),
                "confidence": FieldSpec(type="number", description="0 to 1"),
            })},
    )


def has_llm(chain: Any) -> bool:
    return any(p.name != LOCAL for p in getattr(chain, "providers", []))


def parts_from_plan(rows: Any, signals: list[PageSignals],
                    candidates: dict[str, SchemaDef]) -> list[PagePart] | None:
    """Parts from the model's per-page rows; None unless every page is answered once."""
    if not isinstance(rows, list):
        return None
    by_page: dict[int, dict[str, Any]] = {}
    for row in rows:
        page = row.get("page") if isinstance(row, dict) else None
        if not isinstance(page, int) or page in by_page:
            return None
        by_page[page] = row
    if set(by_page) != {s.number for s in signals}:
        return None
    parts: list[PagePart] = []
    previous_blank = True
    for sig in signals:
        row = by_page[sig.number]
        kind = str(row["type"]) if row.get("type") in candidates else OTHER
        sure = min(max(float(row.get("confidence") or 0.5), 0.0), 1.0)
        if sig.blank:
            previous_blank = True
            continue
        starts = bool(row.get("starts_document")) or previous_blank or parts[-1].schema != kind
        if starts:
            parts.append(PagePart(sig.number, sig.number, kind, sure, sure, [sig.number]))
        else:
            part = parts[-1]
            part.last = sig.number
            part.pages.append(sig.number)
            part.confidence = min(part.confidence, sure)
            part.boundary_confidence = min(part.boundary_confidence, sure)
        previous_blank = False
    return parts


async def classify_llm(pages: list[Page], images: dict[int, bytes], signals: list[PageSignals],
                       candidates: dict[str, SchemaDef], chain: Any) -> tuple[list[PagePart],
                                                                            str] | None:
    """Parts and the provider that found them; None when no model gave a usable plan."""
    try:
        answer = await chain.extract(pages, plan_schema(candidates), images)
    except ProviderError as exc:
        log.warning("classify.llm_failed", code=exc.code, error=exc.message)
        return None
    if answer.provider == LOCAL:
        return None
    parts = parts_from_plan(answer.data.get("pages"), signals, candidates)
    if parts is None:
        log.warning("classify.llm_unusable", provider=answer.provider)
        return None
    return parts, answer.provider

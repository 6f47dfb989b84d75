"""Classify-and-split logic for `schema=auto` (plain functions over pages, no Kafka here).

Each page gets layout and keyword features (`streams.page_signals`), a type among the
candidate schemas (`classify_pages`), and the pages are cut into parts where a new document
starts (`split_pages`): a "page 1 of N" marker, an invoice number that changes, a title line,
a type that changes, a blank separator page, or a previous page that closed with a total.
"""

from __future__ import annotations

import asyncio
import io
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from config.schemas import INVOICE, OTHER, RECEIPT, SchemaDef
from streams.document import Page
from streams.extraction.run import ocr_words
from streams.page_signals import PageSignals, page_signals, tenant_vocabulary

MIN_EVIDENCE = 2.0  # a page scoring less than this for every schema is `other`


@dataclass
class PagePart:
    first: int
    last: int
    schema: str
    confidence: float  # of the type
    boundary_confidence: float  # of first and last
    pages: list[int] = field(default_factory=list)


def page_type(scores: dict[str, float]) -> tuple[str, float]:
    """The best schema for some evidence, and how sure that is (0..1)."""
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    best, top = ranked[0] if ranked else (OTHER, 0.0)
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    if top < MIN_EVIDENCE:
        return OTHER, round(0.9 - 0.15 * top, 3)  # the more evidence of something, the less sure
    return best, round(1.0 - 0.5 * math.exp(-(top - second)), 3)


def split_pages(signals: list[PageSignals]) -> list[PagePart]:
    """Cut the pages into parts, each with a type and the confidence of its type and bounds."""
    parts: list[PagePart] = []
    starts: list[float] = []  # how sure each part's start is
    ends: list[float] = []  # how sure each part's end is
    scores: list[dict[str, float]] = []
    previous: PageSignals | None = None
    for sig in signals:
        if sig.blank:
            if parts and len(ends) < len(parts):
                ends.append(0.95)  # a blank separator closes the document before it
            previous = None
            continue
        new, sure = _starts(sig, previous, parts[-1] if parts and len(ends) < len(parts) else None,
                            scores[-1] if scores else {})
        if new:
            if parts and len(ends) < len(parts):
                ends.append(sure)
            parts.append(PagePart(sig.number, sig.number, OTHER, 0.0, 0.0, [sig.number]))
            starts.append(sure)
            scores.append(dict(sig.scores))
        else:
            parts[-1].last = sig.number
            parts[-1].pages.append(sig.number)
            for name, value in sig.scores.items():
                scores[-1][name] = scores[-1].get(name, 0.0) + value
        previous = sig
    if len(ends) < len(parts):
        ends.append(0.99)
    for part, summed, start, end in zip(parts, scores, starts, ends, strict=True):
        part.schema, part.confidence = page_type(summed)
        part.boundary_confidence = round(min(start, end), 3)
    return parts


def _starts(sig: PageSignals, previous: PageSignals | None, current: PagePart | None,
            current_scores: dict[str, float]) -> tuple[bool, float]:
    """Whether `sig` starts a new part, and how sure that decision is."""
    if current is None or previous is None:
        return True, 0.99
    if (sig.marker and previous.marker and sig.marker[1] == previous.marker[1]
            and sig.marker[0] == previous.marker[0] + 1):
        return False, 0.97
    if sig.marker and sig.marker[0] == 1 and sig.marker[1] > 1:
        return True, 0.97
    if sig.doc_number and previous.doc_number:
        return (sig.doc_number != previous.doc_number), 0.95
    kind, sure = page_type(sig.scores)
    was, _ = page_type(current_scores)
    if kind != OTHER and was != OTHER and kind != was and sure > 0.8:
        return True, 0.9
    if sig.titles:
        return True, 0.9 if previous.closes else 0.8
    resized = not 0.85 < sig.width / (previous.width or 1.0) < 1.18
    if abs(sig.shape - previous.shape) > 0.15 or resized:
        return True, 0.85  # one document's pages share a size
    if previous.closes:
        return True, 0.75 if kind == OTHER else 0.85
    if sig.head and sig.head == previous.head:
        return False, 0.9  # the same letterhead: the same document goes on
    return False, 0.7 if kind == OTHER else 0.8


def looks_blank(image: bytes, ink: int = 200, share: float = 0.0003) -> bool:
    """A page image with almost no ink (dust and toner specks average out): skip its OCR.
    A page holding only a few short lines still has several times this much."""
    with Image.open(io.BytesIO(image)) as img:
        small = img.convert("L").reduce(4)
    dark = sum(small.histogram()[:ink])
    return dark < share * small.width * small.height


RunCpu = Callable[..., Awaitable[Any]]


async def read_pages(pages: list[Page], images: dict[int, bytes], run_cpu: RunCpu) -> None:
    """OCR the scanned pages that have no words yet (blank ones are skipped), in parallel."""

    async def one(page: Page) -> None:
        image = images[page.number]
        if not await run_cpu(looks_blank, image):
            page.words, page.text = await run_cpu(ocr_words, image)

    await asyncio.gather(*(one(p) for p in pages
                           if p.source == "image" and not p.words and p.number in images))


def _tenant(candidates: dict[str, SchemaDef]) -> dict[str, set[str]]:
    return {name: vocabulary for name, schema in candidates.items()
            if name not in (INVOICE.name, RECEIPT.name)
            and (vocabulary := tenant_vocabulary(schema))}


def classify_local(pages: list[Page], candidates: dict[str, SchemaDef]) -> list[PagePart]:
    tenant = _tenant(candidates)
    return split_pages([page_signals(page, tenant) for page in pages])


async def classify_document(pages: list[Page], images: dict[int, bytes],
                            candidates: dict[str, SchemaDef], chain: Any, *, ocr: bool,
                            run_cpu: RunCpu) -> tuple[list[PagePart], str]:
    """The parts of a document and who found them: the provider that answered, else `local`."""
    from streams.classify_llm import classify_llm, has_llm  # it builds on this module

    if ocr:
        await read_pages(pages, images, run_cpu)
    tenant = _tenant(candidates)
    signals = [page_signals(page, tenant) for page in pages]
    if has_llm(chain) and (answered := await classify_llm(pages, images, signals, candidates,
                                                          chain)):
        return answered
    return split_pages(signals), "local"

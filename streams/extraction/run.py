"""Extract-stage logic shared by the agent and the in-process commands (no Kafka here).

OCR scanned pages, run the provider chain, read text inside embedded images when the local
rules found no confident vendor, then ground every value and assess the result (checks,
calibrated confidence, review).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from config.schemas import SchemaDef
from streams.document import Extraction, Page, Word
from streams.extraction.assess import assess
from streams.extraction.grounding import ground
from streams.extraction.local import extract_local
from streams.extraction.locate import Index
from streams.ocr import ocr_image, ocr_pdf_images, words_text

# How long a model's request gets to leave before grounding's index is built on the event loop
# beside it: the request is sent within a few milliseconds; a model answers in hundreds.
HEAD_START_S = 0.02
RunCpu = Callable[..., Awaitable[Any]]  # runs fn(*args) off the event loop
LoadSource = Callable[[], Awaitable[bytes | None]]


def ocr_words(image: bytes) -> tuple[list[Word], str]:
    """OCR words of a page image and the text they spell (picklable, for the pool)."""
    words, _, _ = ocr_image(image)
    return words, words_text(words)


def needs_image_text(extraction: Extraction, pages: list[Page]) -> bool:
    """A text-layer document without a confident vendor may print it inside an image."""
    weak = "vendor" in extraction.data and extraction.confidence.get("vendor", 0.0) < 0.5
    return extraction.provider == "local" and weak and any(p.source == "text" for p in pages)


async def extract_pages(pages: list[Page], images: dict[int, bytes], schema: SchemaDef, chain,
                        *, ocr: bool, run_cpu: RunCpu, load_pdf: LoadSource,
                        review_threshold: float = 0.9) -> Extraction:
    if ocr:
        for page in pages:
            if page.source == "image" and not page.words and page.number in images:
                page.words, page.text = await run_cpu(ocr_words, images[page.number])
    asking = asyncio.ensure_future(chain.extract(pages, schema, images))
    # A model's answer is judged against the text layer's own reading (`assess`): read it off
    # the event loop while the model thinks, so a busy worker's loop keeps up.
    reading = (asyncio.ensure_future(run_cpu(extract_local, pages, schema))
               if chain.names[:1] != ["local"] else None)
    try:  # grounding's index is most of its work and needs only the pages: build it meanwhile
        answered, _ = await asyncio.wait({asking}, timeout=HEAD_START_S)
        index = None if answered else Index(pages)  # the local extractor answers at once
        extraction = await asking
        local = await reading if reading and extraction.provider != "local" else None
    finally:
        for task in (asking, reading):  # no-ops once done; a cancelled stage leaves none running
            if task:
                task.cancel()
    if ocr and needs_image_text(extraction, pages) and (pdf := await load_pdf()):
        pages = await run_cpu(ocr_pdf_images, pdf, pages)
        extraction, index = extract_local(pages, schema), None
    index = index or Index(pages)
    # checks, calibrated confidence and review: the same for every provider
    return assess(ground(extraction, pages, index), pages, schema, threshold=review_threshold,
                  index=index, local=local)

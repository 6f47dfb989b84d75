"""Plain data passed between stage functions: pages with their words, and an extraction.

Bounding boxes are fractions of the page, `(x0, y0, x1, y1)` in 0..1 from the top left, so
PDF pages (points) and images (pixels) share one coordinate system.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from topics.models import BBox, Check, Citation, Review


class Word(BaseModel):
    text: str
    bbox: BBox
    score: float | None = None  # OCR score of the word's least sure character; None: text layer


class Page(BaseModel):
    number: int  # 1-based
    width: float  # points for PDF pages, pixels for images
    height: float
    source: Literal["text", "image"] = "text"  # where text/words came from: text layer or OCR
    text: str = ""
    words: list[Word] = Field(default_factory=list)
    image_blob: str | None = None  # key of the rendered JPEG in the blob store, if any


class Extraction(BaseModel):
    data: dict[str, Any]
    confidence: dict[str, float] = Field(default_factory=dict)
    citations: dict[str, list[Citation]] = Field(default_factory=dict)
    errors: dict[str, str] = Field(default_factory=dict)  # field -> why it is null
    provider: str = "local"
    model: str = "rules-v1"
    # what the extractor knew about each value beyond its score, e.g. {"margin": 0.2}
    evidence: dict[str, dict[str, float]] = Field(default_factory=dict)
    checks: list[Check] = Field(default_factory=list)
    review: Review = Field(default_factory=Review)

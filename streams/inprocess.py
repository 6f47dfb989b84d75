"""The whole extraction in one process, no Kafka: for `extract`, `eval` and the benchmarks."""

from __future__ import annotations

import asyncio
import mimetypes
from pathlib import Path

from config.errors import UnsupportedMediaType
from config.schemas import SchemaDef
from config.settings import Settings
from streams.document import Extraction
from streams.extraction.run import extract_pages
from streams.preprocess import RenderOptions, prepare

TYPES = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
         ".png": "image/png"}


def content_type_of(path: Path) -> str:
    kind = TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
    if kind is None or kind not in TYPES.values():
        raise UnsupportedMediaType(f"{path.name}: only PDF, JPEG and PNG are supported")
    return kind


async def extract_bytes(data: bytes, content_type: str, schema: SchemaDef, settings: Settings,
                        chain) -> Extraction:
    """The preprocess stage's function, then the extract stage's, in this process."""
    opts = RenderOptions(settings.pdf_dpi, settings.max_image_dim, settings.jpeg_quality)
    pages, images = await asyncio.to_thread(prepare, data, content_type, opts)

    async def load_pdf() -> bytes | None:
        return data if content_type == "application/pdf" else None

    return await extract_pages(pages, images, schema, chain, ocr=settings.ocr_enabled,
                               run_cpu=asyncio.to_thread, load_pdf=load_pdf)


async def extract_file(path: Path, schema: SchemaDef, settings: Settings, chain) -> Extraction:
    return await extract_bytes(path.read_bytes(), content_type_of(path), schema, settings, chain)

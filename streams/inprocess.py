"""The whole extraction in one process, no Kafka: for `extract`, `eval` and the benchmarks."""

from __future__ import annotations

import asyncio
from pathlib import Path

from config.errors import UnsupportedMediaType
from config.media import BY_EXTENSION
from config.schemas import SchemaDef
from config.settings import Settings
from streams.document import Extraction
from streams.extraction.run import extract_pages
from streams.preprocess import RenderOptions, prepare


def content_type_of(path: Path) -> str:
    """The media type a file's extension names; only the types we accept."""
    kind = BY_EXTENSION.get(path.suffix.lower().lstrip("."))
    if kind is None:
        raise UnsupportedMediaType(f"{path.name}: only PDF, JPEG and PNG are supported")
    return kind.name


async def extract_bytes(data: bytes, content_type: str, schema: SchemaDef, settings: Settings,
                        chain) -> Extraction:
    """The preprocess stage's function, then the extract stage's, in this process."""
    opts = RenderOptions(settings.pdf_dpi, settings.max_image_dim, settings.jpeg_quality)
    pages, images, _ = await asyncio.to_thread(prepare, data, content_type, opts)

    async def load_pdf() -> bytes | None:
        return data if content_type == "application/pdf" else None

    return await extract_pages(pages, images, schema, chain, ocr=settings.ocr_enabled,
                               run_cpu=asyncio.to_thread, load_pdf=load_pdf,
                               review_threshold=settings.review_confidence_threshold)


async def extract_file(path: Path, schema: SchemaDef, settings: Settings, chain) -> Extraction:
    return await extract_bytes(path.read_bytes(), content_type_of(path), schema, settings, chain)


def extract_local(path: Path, schema_name: str) -> Extraction:
    """`extract_file` with the local extractor and a built-in schema, for `eval` (picklable)."""
    from config.schemas import BUILTIN
    from stores.metrics import Metrics
    from streams.extraction.providers.chain import ProviderChain

    settings = Settings(_env_file=None, extraction_providers="local")  # type: ignore[call-arg]
    return asyncio.run(extract_file(Path(path), BUILTIN[schema_name], settings,
                                    ProviderChain(settings, Metrics())))

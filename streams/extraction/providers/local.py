"""The offline extractor behind the provider interface: always available, the last resort."""

from __future__ import annotations

from config.schemas import SchemaDef
from config.settings import Settings
from streams.document import Extraction, Page

from .base import ProviderSpec, Repair


class LocalProvider:
    """Rules over the text layer and OCR words; answers with its own confidence and citations."""

    name = "local"

    def __init__(self, settings: Settings | None = None) -> None:
        pass  # nothing to configure: no key, no network

    async def extract(
        self,
        pages: list[Page],
        schema: SchemaDef,
        images: dict[int, bytes],
        *,
        repair: Repair | None = None,
    ) -> Extraction:
        from streams.extraction.local import extract_local  # heavy (OCR rules); load on use

        return extract_local(pages, schema)

    async def aclose(self) -> None:
        return None


SPEC = ProviderSpec("local", configured=lambda settings: True, build=LocalProvider)

"""The offline extractor behind the provider interface: always available, the last resort."""

from __future__ import annotations

from typing import Any

from config.schemas import SchemaDef
from streams.document import Extraction, Page

from .base import Repair


class LocalProvider:
    name = "local"

    def run(self, pages: list[Page], schema: SchemaDef) -> Extraction:
        """The local extractor's full result, with its own confidence and citations."""
        from streams.extraction.local import extract_local  # heavy (OCR rules); load on use

        return extract_local(pages, schema)

    async def extract(
        self,
        pages: list[Page],
        schema: SchemaDef,
        images: dict[int, bytes],
        *,
        repair: Repair | None = None,
    ) -> tuple[dict[str, Any], str]:
        result = self.run(pages, schema)
        return result.data, result.model

    async def aclose(self) -> None:
        return None

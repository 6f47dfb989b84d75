"""The document types we accept, in one table: the upload checks, the stages and the CLI read it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MediaType:
    name: str  # the canonical MIME type
    extensions: tuple[str, ...]
    signature: bytes  # the magic bytes every such file starts with
    aliases: tuple[str, ...] = ()  # other MIME names clients send for it
    pil_format: str | None = None  # Pillow's name, for images


PDF = MediaType("application/pdf", ("pdf",), b"%PDF-", aliases=("application/x-pdf",))
JPEG = MediaType("image/jpeg", ("jpg", "jpeg"), b"\xff\xd8\xff",
                 aliases=("image/jpg", "image/pjpeg"), pil_format="JPEG")
PNG = MediaType("image/png", ("png",), b"\x89PNG\r\n\x1a\n", aliases=("image/x-png",),
                pil_format="PNG")

MEDIA_TYPES = {m.name: m for m in (PDF, JPEG, PNG)}
BY_EXTENSION = {ext: m for m in MEDIA_TYPES.values() for ext in m.extensions}
BY_ALIAS = {alias: m for m in MEDIA_TYPES.values() for alias in m.aliases}

"""Every extraction provider, by name. A new provider is a module with a `SPEC`, listed here."""

from __future__ import annotations

from config.settings import Settings

from . import groq, local, mistral
from .base import Provider, ProviderSpec

REGISTRY: dict[str, ProviderSpec] = {spec.name: spec for spec in (groq.SPEC, mistral.SPEC,
                                                                   local.SPEC)}
FALLBACK = local.SPEC  # needs no key: used when nothing configured answers


def build_providers(settings: Settings) -> list[Provider]:
    """EXTRACTION_PROVIDERS in order, those whose settings enable them; the fallback if none."""
    unknown = [name for name in settings.providers if name not in REGISTRY]
    if unknown:
        raise ValueError(f"EXTRACTION_PROVIDERS names unknown providers {unknown}; "
                         f"known: {sorted(REGISTRY)}")
    specs = [REGISTRY[name] for name in settings.providers]
    return [spec.build(settings) for spec in specs if spec.configured(settings)] or \
        [FALLBACK.build(settings)]

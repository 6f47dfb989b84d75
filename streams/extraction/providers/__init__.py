"""Extraction providers (Groq, Mistral, the local extractor), their registry, and the chain.

The extract stage builds one `ProviderChain(settings, metrics)` per worker and awaits
`chain.extract(pages, schema, images)` for each document.
"""

from .base import Provider, ProviderSpec, Repair
from .chain import ProviderChain
from .registry import REGISTRY, build_providers

__all__ = ["REGISTRY", "Provider", "ProviderChain", "ProviderSpec", "Repair", "build_providers"]

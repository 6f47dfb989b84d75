"""LLM extraction providers (Groq, Mistral, the local fallback) and the chain that orders them.

The extract stage builds one `ProviderChain(settings, metrics)` per worker and awaits
`chain.extract(pages, schema, images)` for each document.
"""

from .base import Provider, Repair
from .chain import ProviderChain, build_providers
from .circuit import CircuitBreaker
from .local import LocalProvider

__all__ = [
    "CircuitBreaker",
    "LocalProvider",
    "Provider",
    "ProviderChain",
    "Repair",
    "build_providers",
]

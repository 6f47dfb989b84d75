"""What every extraction provider offers the chain, and the helpers they share."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from config.schemas import SchemaDef
from streams.document import Page

# SDK retry backoff when the server gives no Retry-After (mirrors the groq SDK's own policy).
BACKOFF_INITIAL = 0.5
BACKOFF_MAX = 8.0
RETRY_AFTER_MAX = 60.0  # a longer Retry-After is not waited out inside one request


@dataclass(frozen=True)
class Repair:
    """Feedback for the one re-ask: what the provider answered and why fields were rejected."""

    errors: dict[str, str]
    previous: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)


@runtime_checkable
class Provider(Protocol):
    name: str

    async def extract(
        self,
        pages: list[Page],
        schema: SchemaDef,
        images: dict[int, bytes],
        *,
        repair: Repair | None = None,
    ) -> tuple[dict[str, Any], str]:
        """Raw field dict and the model that produced it; raises a ProviderError subclass."""
        ...

    async def aclose(self) -> None: ...


def backoff_seconds(attempt: int, retry_after: float | None) -> float:
    """Delay before retry number `attempt` (0-based): the server's word, else exponential."""
    if retry_after is not None and 0 < retry_after <= RETRY_AFTER_MAX:
        return retry_after
    delay = min(BACKOFF_INITIAL * 2**attempt, BACKOFF_MAX)
    return delay * (1 - 0.25 * random.random())


def parse_retry_after(headers: Any) -> float | None:
    """Seconds from `retry-after-ms` or `Retry-After` (numeric form); None when absent."""
    if headers is None:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) * scale)
        except ValueError:
            continue
    return None

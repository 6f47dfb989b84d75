"""What every extraction provider offers the chain, and the helpers they share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from tenacity import RetryCallState, wait_exponential_jitter

from config.schemas import SchemaDef
from config.settings import Settings
from streams.document import Extraction, Page

# SDK retry backoff when the server gives no Retry-After (mirrors the groq SDK's own policy).
BACKOFF_INITIAL = 0.5
BACKOFF_MAX = 8.0
RETRY_AFTER_MAX = 60.0  # a longer Retry-After is not waited out inside one request


@dataclass(frozen=True)
class Repair:
    """Feedback for the one re-ask: what the provider answered and why fields were rejected."""

    errors: dict[str, str]
    previous: dict[str, Any] | None = None


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
    ) -> Extraction:
        """The provider's answer, not yet validated; raises a ProviderError subclass.

        Remote providers give `data`, `provider` and `model`; one that knows where its values
        came from (the local extractor) also gives `confidence` and `citations`.
        """
        ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True)
class ProviderSpec:
    """How the registry knows a provider: its name, whether settings enable it, its constructor.

    Each provider module declares one `SPEC`; `providers.registry` lists the modules.
    """

    name: str
    configured: Callable[[Settings], bool]
    build: Callable[[Settings], Provider]


def retry_wait(retry_after_of: Callable[[BaseException], float | None]):
    """A tenacity `wait`: the server's Retry-After when it gives one, else exponential + jitter."""
    backoff = wait_exponential_jitter(initial=BACKOFF_INITIAL, max=BACKOFF_MAX)

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        retry_after = retry_after_of(exc) if exc is not None else None
        if retry_after is not None and 0 < retry_after <= RETRY_AFTER_MAX:
            return retry_after
        return backoff(state)

    return wait


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

"""The ordered provider fallback chain, with limits, circuit breakers, validation and repair.

For each document the chain walks EXTRACTION_PROVIDERS in order (those the registry finds
configured; `local` needs no key and is used when nothing else is). Every provider is treated
alike: a breaker, a concurrency limit, and validation of its answer; when fields fail, the
same provider is asked once more with the errors in the prompt, and fields still invalid
become null with a reason in `Extraction.errors`. Bad output never raises. A ProviderError
(transient) is raised only when every provider failed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import Any

import structlog

from config.errors import CircuitOpen, ProviderError, ProviderOutput, ProviderRateLimited
from config.schemas import SchemaDef
from config.settings import Settings
from stores.metrics import Metrics
from streams.document import Extraction, Page
from streams.extraction.validate import validate

from .base import Provider, Repair
from .circuit import CLOSED, CircuitBreaker
from .registry import build_providers

log = structlog.get_logger(__name__)


def _keep_valid(
    first: dict[str, Any], first_errors: dict[str, str],
    second: dict[str, Any], second_errors: dict[str, str],
) -> tuple[dict[str, Any], dict[str, str]]:
    """The re-ask's answer, except where it dropped a value the first answer had right."""
    data, errors = dict(second), dict(second_errors)
    for name, value in first.items():
        if data.get(name) is None and value is not None and name not in first_errors:
            data[name] = value
            errors = {k: v for k, v in errors.items() if k.split("[")[0] != name}
    return data, errors


class ProviderChain:
    def __init__(
        self,
        settings: Settings,
        metrics: Metrics,
        providers: Sequence[Provider] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.providers: list[Provider] = list(providers or build_providers(settings))
        self._metrics = metrics
        self.breakers: dict[str, CircuitBreaker] = {}
        self._limits: dict[str, asyncio.Semaphore] = {}
        for provider in self.providers:
            self.breakers[provider.name] = CircuitBreaker(
                settings.circuit_failure_threshold, settings.circuit_reset_seconds, clock
            )
            self._limits[provider.name] = asyncio.Semaphore(settings.max_concurrent_ai_requests)
            metrics.circuit_open.labels(provider.name).set(0)

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.providers]

    async def extract(
        self, pages: list[Page], schema: SchemaDef, images: dict[int, bytes]
    ) -> Extraction:
        """Fields of one document from the first provider that answers."""
        failures: list[ProviderError] = []
        for provider in self.providers:
            try:
                result = await self._ask(provider, pages, schema, images)
            except ProviderError as exc:
                failures.append(exc)
                emit = log.info if isinstance(exc, CircuitOpen) else log.warning
                emit("provider.failed", provider=provider.name, code=exc.code,
                     error=exc.message, retry_after=exc.retry_after)
                continue
            log.info("provider.answered", provider=provider.name, model=result.model,
                     invalid=sorted(result.errors), after=[f.code for f in failures])
            return result
        return self._give_up(failures, schema)

    async def aclose(self) -> None:
        for provider in self.providers:
            await provider.aclose()

    async def _ask(
        self, provider: Provider, pages: list[Page], schema: SchemaDef, images: dict[int, bytes]
    ) -> Extraction:
        """Ask, validate, and re-ask once with the validation errors if needed."""
        first: tuple[dict[str, Any], dict[str, str], str] | None = None
        try:
            answer = await self._call(provider, pages, schema, images, None)
        except ProviderOutput as exc:
            repair = Repair(errors={"(whole answer)": exc.message})
        else:
            data, errors = validate(answer.data, schema)
            if not errors:
                return answer.model_copy(update={"data": data, "provider": provider.name})
            first = (data, errors, answer.model)
            repair = Repair(errors=errors, previous=answer.data)
        log.info("provider.repair", provider=provider.name, fields=sorted(repair.errors))
        try:
            answer = await self._call(provider, pages, schema, images, repair)
        except ProviderError:
            if first is None:
                raise
            data, errors, model = first  # the re-ask failed: keep the first answer's valid part
        else:
            data, errors = validate(answer.data, schema)
            model = answer.model
            if first is not None:
                data, errors = _keep_valid(first[0], first[1], data, errors)
        return Extraction(data=data, errors=errors, provider=provider.name, model=model)

    async def _call(
        self, provider: Provider, pages: list[Page], schema: SchemaDef,
        images: dict[int, bytes], repair: Repair | None,
    ) -> Extraction:
        name, breaker = provider.name, self.breakers[provider.name]
        if not breaker.allow():
            raise CircuitOpen(f"{name}: circuit open", retry_after=breaker.retry_in())
        async with self._limits[name]:
            self._metrics.ai_active.inc()
            started = time.perf_counter()
            try:
                result = await provider.extract(pages, schema, images, repair=repair)
            except ProviderError as exc:
                self._failed(name, breaker, exc)
                raise
            except Exception as exc:  # an unmapped SDK error or a bug must not escape the chain
                log.exception("provider.unexpected_error", provider=name)
                error = ProviderError(f"{name}: unexpected {type(exc).__name__}: {exc}")
                self._failed(name, breaker, error)
                raise error from exc
            finally:
                self._metrics.ai_active.dec()
                self._metrics.provider_latency.labels(name).observe(time.perf_counter() - started)
        breaker.record_success()
        self._publish(name)
        return result

    def _failed(self, name: str, breaker: CircuitBreaker, exc: ProviderError) -> None:
        self._metrics.provider_errors.labels(name, exc.code).inc()
        if isinstance(exc, ProviderOutput):
            breaker.record_success()  # it answered: up, if not useful
        elif isinstance(exc, ProviderRateLimited) and exc.retry_after:
            breaker.hold(exc.retry_after)
        else:
            breaker.record_failure()
        self._publish(name)

    def _publish(self, name: str) -> None:
        is_open = self.breakers[name].state != CLOSED
        self._metrics.circuit_open.labels(name).set(1 if is_open else 0)

    def _give_up(self, failures: list[ProviderError], schema: SchemaDef) -> Extraction:
        """Every provider failed (so `local` was not in the chain)."""
        transient = [f for f in failures if f.transient]
        if not transient:  # they all answered, only badly: nulls, never an exception
            data, _ = validate({}, schema)
            why = f"no usable answer: {failures[-1].message}" if failures else "no provider"
            return Extraction(data=data, errors=dict.fromkeys(schema.fields, why),
                              provider=self.providers[-1].name, model="")
        waits = [f.retry_after for f in transient if f.retry_after is not None]
        last = transient[-1]
        summary = "; ".join(f.message for f in failures)
        raise type(last)(f"all providers failed: {summary}",
                         retry_after=min(waits) if waits else None)

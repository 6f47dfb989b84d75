"""A per-provider circuit breaker, plus the provider's own "come back later" (Retry-After).

closed --N consecutive failures--> open --reset seconds--> half-open: one trial call;
its success closes the circuit, its failure opens it again for another `reset` seconds.
"""

from __future__ import annotations

from collections.abc import Callable

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


class CircuitBreaker:
    def __init__(self, threshold: int, reset_seconds: float, clock: Callable[[], float]) -> None:
        self.threshold = max(1, threshold)
        self.reset_seconds = reset_seconds
        self._clock = clock
        self.failures = 0
        self._opened_at: float | None = None
        self._trial_at: float | None = None  # when the half-open trial call started
        self._hold_until = 0.0  # Retry-After from a rate-limited answer

    @property
    def state(self) -> str:
        if self._opened_at is None:
            return CLOSED
        if self._clock() - self._opened_at >= self.reset_seconds:
            return HALF_OPEN
        return OPEN

    def allow(self) -> bool:
        """May a call go out now? In half-open, only one trial at a time."""
        now = self._clock()
        if now < self._hold_until:
            return False
        state = self.state
        if state == CLOSED:
            return True
        if state == OPEN:
            return False
        # a trial that never reported back (cancelled) must not block forever
        if self._trial_at is not None and now - self._trial_at < self.reset_seconds:
            return False
        self._trial_at = now
        return True

    def record_success(self) -> None:
        self.failures = 0
        self._opened_at = None
        self._trial_at = None

    def record_failure(self) -> None:
        self.failures += 1
        self._trial_at = None
        if self._opened_at is not None or self.failures >= self.threshold:
            self._opened_at = self._clock()

    def hold(self, seconds: float) -> None:
        """Send nothing for `seconds` (the provider said so); not counted as a failure."""
        self._hold_until = max(self._hold_until, self._clock() + seconds)

    def retry_in(self) -> float:
        """Seconds until a call may be allowed again (0 when it may go now)."""
        now = self._clock()
        wait = self._hold_until - now
        if self._opened_at is not None:
            wait = max(wait, self._opened_at + self.reset_seconds - now)
        return max(0.0, wait)

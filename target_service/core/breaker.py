"""A circuit breaker: closed, open, half-open.

Closed: calls pass; `failure_threshold` consecutive failures open it.
Open: calls are rejected at once until `reset_timeout_s` has passed, then it is half-open.
Half-open: one trial call at a time passes; its success closes the breaker, its failure
opens it again for another `reset_timeout_s`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import IntEnum


class CircuitState(IntEnum):
    """Values are those of the `circuit_breaker_state` gauge."""

    CLOSED = 0
    HALF_OPEN = 1
    OPEN = 2


class CircuitBreaker:
    def __init__(
        self,
        failure_threshold: int,
        reset_timeout_s: float,
        on_change: Callable[[CircuitState], None] = lambda state: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failure_threshold = failure_threshold
        self.reset_timeout_s = reset_timeout_s
        self._on_change = on_change
        self._clock = clock
        self._state = CircuitState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._trial_in_flight = False

    @property
    def state(self) -> CircuitState:
        """The state now (an open breaker whose timeout passed reads as half-open)."""
        if self._state is CircuitState.OPEN and self._timeout_passed():
            return CircuitState.HALF_OPEN
        return self._state

    def allow(self) -> bool:
        """True when a call may go to the dependency now; a half-open pass is the trial."""
        if self._state is CircuitState.CLOSED:
            return True
        if self._state is CircuitState.OPEN:
            if not self._timeout_passed():
                return False
            self._set(CircuitState.HALF_OPEN)
        if self._trial_in_flight:
            return False
        self._trial_in_flight = True
        return True

    def record_success(self) -> None:
        self._failures = 0
        self._trial_in_flight = False
        if self._state is not CircuitState.CLOSED:
            self._set(CircuitState.CLOSED)

    def record_failure(self) -> None:
        self._trial_in_flight = False
        self._failures += 1
        if self._state is CircuitState.HALF_OPEN or self._failures >= self.failure_threshold:
            self._opened_at = self._clock()
            self._set(CircuitState.OPEN)

    def abandon(self) -> None:
        """A call that was allowed ended without a verdict (cancelled): free the trial slot."""
        self._trial_in_flight = False

    def retry_after_s(self) -> float:
        """Seconds until the breaker lets a trial through (0 when it would now)."""
        if self._state is not CircuitState.OPEN:
            return 0.0
        return max(0.0, self._opened_at + self.reset_timeout_s - self._clock())

    def _timeout_passed(self) -> bool:
        return self._clock() - self._opened_at >= self.reset_timeout_s

    def _set(self, state: CircuitState) -> None:
        self._state = state
        self._on_change(state)

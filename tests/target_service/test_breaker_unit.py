"""The circuit breaker's states with a hand-driven clock; back-off delays; fault TTLs."""

from __future__ import annotations

import random

import pytest

from target_service.core.breaker import CircuitBreaker, CircuitState
from target_service.core.faults import FaultBoard, LatencyFault
from target_service.core.retry import backoff_delays


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_opens_after_threshold_then_half_open_then_closes() -> None:
    clock, states = Clock(), []
    breaker = CircuitBreaker(3, reset_timeout_s=5, on_change=states.append, clock=clock)
    for _ in range(2):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.state is CircuitState.CLOSED
    breaker.allow()
    breaker.record_failure()
    assert breaker.state is CircuitState.OPEN
    assert not breaker.allow()
    assert breaker.retry_after_s() == 5
    clock.now += 5
    assert breaker.state is CircuitState.HALF_OPEN
    assert breaker.allow()  # the trial
    assert not breaker.allow()  # only one at a time
    breaker.record_success()
    assert breaker.state is CircuitState.CLOSED
    assert states == [CircuitState.OPEN, CircuitState.HALF_OPEN, CircuitState.CLOSED]


def test_failed_trial_reopens_for_a_full_timeout() -> None:
    clock = Clock()
    breaker = CircuitBreaker(1, reset_timeout_s=2, clock=clock)
    breaker.allow()
    breaker.record_failure()
    clock.now += 2
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state is CircuitState.OPEN
    clock.now += 1.9
    assert not breaker.allow()


def test_success_resets_the_failure_count() -> None:
    breaker = CircuitBreaker(2, reset_timeout_s=1, clock=Clock())
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    assert breaker.state is CircuitState.CLOSED


def test_abandoned_trial_frees_the_slot() -> None:
    clock = Clock()
    breaker = CircuitBreaker(1, reset_timeout_s=1, clock=clock)
    breaker.record_failure()
    clock.now += 1
    assert breaker.allow()
    breaker.abandon()
    assert breaker.allow()


def test_backoff_is_exponential_with_full_jitter_and_capped() -> None:
    rng = random.Random(7)
    samples = [backoff_delays(4, 0.1, 0.5, rng) for _ in range(500)]
    for attempt, cap in enumerate((0.1, 0.2, 0.4, 0.5)):
        values = [s[attempt] for s in samples]
        assert max(values) <= cap
        assert max(values) > 0.9 * cap
        assert min(values) < 0.1 * cap


def test_faults_expire_at_their_ttl() -> None:
    clock = Clock()
    board = FaultBoard(clock=clock)
    fault = board.add(LatencyFault(kind="latency", fixed_ms=5, ttl_s=10))
    assert fault.expires_at == 1010.0
    assert board.count("latency") == 1
    assert board.matching("/api/v1/clinics") == [fault]
    assert board.matching("/health/readiness") == []
    clock.now += 10
    assert board.active() == []


@pytest.mark.parametrize("seed", [1, 2])
def test_distributed_latency_is_never_negative(seed: int) -> None:
    spec = LatencyFault(kind="latency", mean_ms=5, stddev_ms=50, ttl_s=1)
    rng = random.Random(seed)
    assert min(spec.draw_delay_s(rng) for _ in range(1000)) == 0.0

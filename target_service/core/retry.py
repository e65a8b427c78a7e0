"""Exponential back-off with full jitter, for idempotent operations."""

from __future__ import annotations

import random

_rng = random.Random()


def backoff_delay(attempt: int, base_s: float, cap_s: float, rng: random.Random = _rng) -> float:
    """Sleep before retry number `attempt` (0-based): uniform in [0, min(cap, base * 2**attempt)]
    ("full jitter": retries of many clients do not arrive in step)."""
    return rng.uniform(0.0, min(cap_s, base_s * 2**attempt))


def backoff_delays(
    retries: int, base_s: float, cap_s: float, rng: random.Random | None = None
) -> list[float]:
    """The sleep before each retry: uniform in [0, min(cap, base * 2**attempt)] ("full jitter")."""
    return [backoff_delay(attempt, base_s, cap_s, rng or _rng) for attempt in range(retries)]

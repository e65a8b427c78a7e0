"""Exponential back-off with full jitter, for idempotent operations."""

from __future__ import annotations

import random


def backoff_delays(
    retries: int, base_s: float, cap_s: float, rng: random.Random | None = None
) -> list[float]:
    """The sleep before each retry: uniform in [0, min(cap, base * 2**attempt)] ("full jitter")."""
    draw = rng or random.Random()
    return [draw.uniform(0.0, min(cap_s, base_s * 2**attempt)) for attempt in range(retries)]

"""Which of a stack's replicas a chaos activity acts on (every platform picks the same way)."""

from __future__ import annotations

import math

from chaoslib.exceptions import ActivityFailed

__all__ = ["select_count"]


def select_count(total: int, count: int | None, percentage: float | None) -> int:
    """How many of `total` to pick: a fixed count or a percentage (rounded up), at most all."""
    if (count is None) == (percentage is None):
        raise ActivityFailed("give exactly one of count or percentage")
    if count is not None:
        if count < 1:
            raise ActivityFailed(f"count must be at least 1, got {count}")
        return min(count, total)
    assert percentage is not None
    if not 0 < percentage <= 100:
        raise ActivityFailed(f"percentage must be in (0, 100], got {percentage}")
    return min(total, max(1, math.ceil(percentage * total / 100)))

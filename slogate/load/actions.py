"""Requests the open-model dispatcher can start: one weighted action per scheduled arrival.

An action names its HTTP method and route template (the label every statistic groups by),
builds the concrete path and body from the seeded random generator and the data the run has
discovered (`prepare`), and may remember something from the answer (`after`, e.g. the id of
an assignment it created, so a later action can remove it). Pure data: no gevent, no locust.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any


@dataclass(frozen=True)
class PreparedRequest:
    path: str
    body: Any = None


@dataclass(frozen=True)
class Action:
    """One kind of request in the mix."""

    method: str
    route: str
    weight: int
    prepare: Callable[[random.Random], PreparedRequest | None]
    after: Callable[[int, bytes], None] | None = None
    fallback: str | None = None  # route of the action to use when `prepare` returns None


class ActionMix:
    """The actions of one run, drawn by weight once per scheduled arrival."""

    def __init__(self, actions: Sequence[Action]) -> None:
        self.actions = list(actions)
        # What `rng.choices(actions, weights=...)` computes on every call, computed once.
        self._cum_weights = list(accumulate(action.weight for action in self.actions))
        self._total = self._cum_weights[-1] + 0.0 if self._cum_weights else 0.0
        if not self._total > 0:
            raise ValueError(
                "the open model's actions: their weights add up to 0; give at least one "
                "action a weight above 0"
            )
        self._last = len(self.actions) - 1
        self._by_route = {action.route: action for action in reversed(self.actions)}

    def choose(self, rng: random.Random) -> Action:
        """A weighted, seeded choice: the very draw `rng.choices(actions, weights)[0]` makes
        (one `rng.random()`, the same bisection), so a seed gives the same sequence."""
        return self.actions[bisect(self._cum_weights, rng.random() * self._total, 0, self._last)]

    def with_route(self, route: str) -> Action:
        """The (first) action of `route`, e.g. another action's `fallback`."""
        return self._by_route[route]


def routes_of(actions: Sequence[Action]) -> list[tuple[str, str]]:
    return [(action.method, action.route) for action in actions]

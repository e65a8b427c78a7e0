"""Requests the open-model dispatcher can start: one weighted action per scheduled arrival.

An action names its HTTP method and route template (the label every statistic groups by),
builds the concrete path and body from the seeded random generator and the data the run has
discovered (`prepare`), and may remember something from the answer (`after`, e.g. the id of
an assignment it created, so a later action can remove it). Pure data: no gevent, no locust.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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


def choose(actions: Sequence[Action], rng: random.Random) -> Action:
    """A weighted, seeded choice."""
    return rng.choices(actions, weights=[action.weight for action in actions])[0]


def routes_of(actions: Sequence[Action]) -> list[tuple[str, str]]:
    return [(action.method, action.route) for action in actions]

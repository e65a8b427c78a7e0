"""The seeded arrival schedule of an open-model load test (pure functions, no I/O).

An arrival is the intended start of one request, as an offset in seconds from the start of
the run. Arrivals are spread evenly (`uniform`: one every 1/rate seconds) or as a Poisson
process (`poisson`: exponential gaps drawn from a generator seeded with the profile's seed),
stage by stage; never in synchronised bursts. A distributed run splits one schedule between
workers: worker i of N takes arrivals i, i+N, i+2N, ..., so the shares interleave in time and
together are exactly the whole schedule.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import islice, starmap
from typing import Literal, TypeVar

from slogate.load.profiles import Stage

Distribution = Literal["uniform", "poisson"]
T = TypeVar("T")


@dataclass(slots=True)
class Arrival:
    """One intended request start (not frozen: a frozen dataclass's `__init__` costs three
    times as much, and one is built per request started, or per arrival in a summary)."""

    index: int  # position in the whole schedule (0-based)
    offset_s: float  # seconds after the start of the run
    stage: int  # index of the stage it belongs to


ArrivalTime = tuple[int, float, int]  # an Arrival's (index, offset_s, stage), as a plain tuple


def iter_arrival_times(
    stages: Sequence[Stage], distribution: Distribution, seed: int
) -> Iterator[ArrivalTime]:
    """`iter_arrivals` as plain (index, offset_s, stage) tuples: the load generator walks
    every arrival, and at capacity skips most of them as missed, so it builds no object for
    those (a tuple costs a fifth of an Arrival)."""
    gap = random.Random(seed).expovariate
    index = 0
    stage_start = 0.0
    for stage_index, stage in enumerate(stages):
        stage_end = stage_start + stage.duration_s
        rate = stage.rate
        if distribution == "uniform":
            count = math.ceil(stage.duration_s * rate - 1e-9)
            for k in range(count):
                yield index, stage_start + k / rate, stage_index
                index += 1
        else:
            # Memoryless: restarting the draw at the stage boundary keeps it a Poisson process.
            moment = stage_start + gap(rate)
            while moment < stage_end:
                yield index, moment, stage_index
                index += 1
                moment += gap(rate)
        stage_start = stage_end


def iter_arrivals(
    stages: Sequence[Stage], distribution: Distribution, seed: int
) -> Iterator[Arrival]:
    """All arrivals of `stages`, in time order, lazily (a soak run has millions)."""
    return starmap(Arrival, iter_arrival_times(stages, distribution, seed))


def arrival_schedule(
    stages: Sequence[Stage], distribution: Distribution, seed: int
) -> list[Arrival]:
    """The whole schedule as a list (for tests and short runs)."""
    return list(iter_arrivals(stages, distribution, seed))


def worker_share(arrivals: Iterator[T], worker: int, workers: int) -> Iterator[T]:
    """The interleaved share of worker `worker` (0-based) out of `workers` (of Arrivals or
    of their plain tuples)."""
    if workers < 1 or not 0 <= worker < workers:
        raise ValueError(f"worker {worker} is not in 0..{workers - 1}")
    return islice(arrivals, worker, None, workers)


def stage_bounds(stages: Sequence[Stage]) -> list[tuple[float, float]]:
    """(start, end) offsets of each stage."""
    bounds = []
    start = 0.0
    for stage in stages:
        bounds.append((start, start + stage.duration_s))
        start += stage.duration_s
    return bounds


def stage_at(stages: Sequence[Stage], elapsed_s: float) -> int | None:
    """The index of the stage running at `elapsed_s` (None before the start or after the end)."""
    for index, (start, end) in enumerate(stage_bounds(stages)):
        if start <= elapsed_s < end:
            return index
    return None


def rate_at(stages: Sequence[Stage], elapsed_s: float) -> float:
    """The scheduled arrival rate at `elapsed_s` (0 after the end)."""
    index = stage_at(stages, elapsed_s)
    return 0.0 if index is None else stages[index].rate


def expected_starts_by(stages: Sequence[Stage], elapsed_s: float) -> float:
    """How many starts the schedule intends by `elapsed_s` (its expectation for Poisson)."""
    total = 0.0
    for stage, (start, end) in zip(stages, stage_bounds(stages), strict=True):
        total += stage.rate * max(0.0, min(elapsed_s, end) - start)
    return total

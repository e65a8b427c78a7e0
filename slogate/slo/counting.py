"""Counting events in a window from counters: raw, reset-aware deltas, summed over replicas.

    delta_from_samples   pure: one series' increase from its raw samples
    count_counters       asks Prometheus (see promql.py for the queries) and sums per group

Rules (DESIGN.md, "Statistics, not vibes"):
- the delta runs from the last sample at or before the window's start to the last sample at or
  before its end; a drop in value is a reset, after which the new value counts in full;
- a series with no sample at or before the start was born in the window and counts from 0
  (label sets are pre-initialised, so a new series starts at 0);
- the series are summed without the replica label (or grouped by one label, e.g. `le`);
- a NaN sample makes the count unusable (`Count.nan`), which the caller treats as no data.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from slogate.slo import promql
from slogate.slo.prometheus import PrometheusClient


def delta_from_samples(samples: Iterable[tuple[float, float]], start: float) -> float:
    """The reset-aware increase of one counter from `start` to its last sample."""
    baseline = 0.0
    total = 0.0
    previous: float | None = None
    for timestamp, value in sorted(samples):
        if timestamp <= start:
            baseline = value
            previous = value
            continue
        if previous is None:
            previous = baseline
        total += value - previous if value >= previous else value
        previous = value
    return total


def samples_in_window(
    samples: Iterable[tuple[float, float]], start: float
) -> list[tuple[float, float]]:
    """The samples a delta reads: the last one at or before `start`, and all after it."""
    ordered = sorted(samples)
    before = [pair for pair in ordered if pair[0] <= start]
    return before[-1:] + [pair for pair in ordered if pair[0] > start]


@dataclass
class Count:
    """Events counted in a window, with how they were counted."""

    total: float = 0.0
    by_group: dict[str, float] = field(default_factory=dict)
    series: int = 0
    reset_series: int = 0
    nan: bool = False
    queries: list[str] = field(default_factory=list)

    @property
    def present(self) -> bool:
        """True when at least one series matched."""
        return self.series > 0


def _key(labels: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """Series identity without `__name__` (some functions keep it, `resets` drops it)."""
    return tuple(sorted((k, v) for k, v in labels.items() if k != "__name__"))


def count_counters(
    client: PrometheusClient,
    series: str,
    start: float,
    end: float,
    group_by: str | None = None,
) -> Count:
    """Sum the reset-aware deltas of every counter matching `series` over [start, end]."""
    window = end - start
    queries = [
        promql.start_values_query(series),
        promql.end_values_query(series, window),
        promql.resets_query(series, window),
    ]
    count = Count(queries=list(queries))
    starts = {_key(s.labels): s.value for s in client.vector(queries[0], start)}
    ends = client.vector(queries[1], end)
    resets = {_key(s.labels): s.value for s in client.vector(queries[2], end)}
    deltas: list[tuple[dict[str, str], float]] = []
    reset: list[dict[str, str]] = []
    for sample in ends:
        key = _key(sample.labels)
        start_value = starts.get(key)
        values = [sample.value] + ([start_value] if start_value is not None else [])
        if any(math.isnan(v) for v in values):
            count.nan = True
            continue
        reset_count = resets.get(key, 0.0)
        suspicious = math.isnan(reset_count) or reset_count > 0
        if suspicious or (start_value is not None and sample.value < start_value):
            reset.append(sample.labels)
        else:
            deltas.append((sample.labels, sample.value - (start_value or 0.0)))
    if reset:
        deltas += _raw_deltas(client, series, reset, start, end, count)
    for labels, delta in deltas:
        count.series += 1
        count.total += delta
        if group_by is not None:
            group = labels.get(group_by, "")
            count.by_group[group] = count.by_group.get(group, 0.0) + delta
    return count


def _raw_deltas(
    client: PrometheusClient,
    series: str,
    reset: list[dict[str, str]],
    start: float,
    end: float,
    count: Count,
) -> list[tuple[dict[str, str], float]]:
    """Deltas of the series that reset, from their raw samples, in one query.

    The query narrows `series` by the labels all reset series share (typically the replica
    that restarted); series it returns that did not reset are ignored.
    """
    common = set(reset[0].items())
    for labels in reset[1:]:
        common &= set(labels.items())
    narrowed = promql.with_matchers(
        series,
        [
            f'{name}="{promql.escape(value)}"'
            for name, value in sorted(common)
            if name != "__name__"
        ],
    )
    raw_query = promql.raw_samples_query(narrowed, end - start)
    count.queries.append(raw_query)
    by_key = {_key(item.labels): item.samples for item in client.matrix(raw_query, end)}
    deltas = []
    for labels in reset:
        samples = by_key.get(_key(labels))
        if samples is None or any(math.isnan(v) for _, v in samples_in_window(samples, start)):
            count.nan = True
            continue
        count.reset_series += 1
        deltas.append((labels, delta_from_samples(samples, start)))
    return deltas

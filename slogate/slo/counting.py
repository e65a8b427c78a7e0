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

import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from slogate.slo import promql
from slogate.slo.prometheus import InstantSample, PrometheusClient


def delta_from_samples(
    samples: Iterable[tuple[float, float]], start: float, baseline: float = 0.0
) -> float:
    """The reset-aware increase of one counter from `start` to its last sample.

    The value at `start` is the last sample at or before it, else `baseline` (0: born after).
    """
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


@dataclass
class Count:
    """Events counted in a window, with how they were counted."""

    total: float = 0.0
    by_group: dict[str, float] = field(default_factory=dict)
    series: int = 0
    reset_series: int = 0
    nan: bool = False
    queries: list[str] = field(default_factory=list)
    per_series: list[tuple[dict[str, str], float]] = field(default_factory=list)

    @property
    def present(self) -> bool:
        """True when at least one series matched."""
        return self.series > 0

    def grouped(self, label: str | None) -> Count:
        """This count with `by_group` summed by `label` from its per-series deltas (the same
        order of addition as counting with `group_by=label`), or as it is for None."""
        if label is None:
            return self
        by_group: dict[str, float] = {}
        for labels, delta in self.per_series:
            group = labels.get(label, "")
            by_group[group] = by_group.get(group, 0.0) + delta
        return replace(self, by_group=by_group)


RAW_PART_S = 300.0  # parts at most this long are read raw
PARTS = 8  # a part with a reset is split into this many
# How far before a part (but the first) its reset check looks for the series' previous
# sample: scrape intervals up to a minute; a series scraped less often is split further.
REACH_S = 60.0
Key = tuple[tuple[str, str], ...]
Vector = list[InstantSample]


def _key(labels: dict[str, str]) -> Key:
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
        promql.end_values_query(series, min(window, promql.LOOKBACK_S)),
        promql.resets_query(series, window),
        promql.nan_check_query(series, window),
    ]
    count = Count(queries=list(queries))
    at_start, ends, at_end, nan_checks = client.vectors(
        [(queries[0], start), (queries[1], end), (queries[2], end), (queries[3], end)]
    )
    starts = {_key(s.labels): s.value for s in at_start}
    nans = {_key(s.labels): s.value for s in nan_checks}  # only the series with a NaN sample
    resets = {(key := _key(s.labels)): s.value + nans.get(key, 0.0) for s in at_end}
    if window > promql.LOOKBACK_S and resets.keys() - {_key(s.labels) for s in ends}:
        # a series without a sample near the end (stale, or only before the start): its end
        # value is its last sample anywhere in the window, which only the long range reads
        long_query = promql.end_values_query(series, window)
        count.queries.append(long_query)
        ends = client.vector(long_query, end)
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
        # NaN samples anywhere in the window show as a NaN `resets` answer: without one, the
        # parts' reset checks need no NaN check of their own (their ranges lie inside it)
        nan_seen = any(math.isnan(resets.get(_key(labels), math.nan)) for labels in reset)
        deltas += _raw_deltas(client, series, reset, start, end, starts, nan_seen, count)
    for _, delta in deltas:
        count.total += delta
    count.series, count.per_series = len(deltas), deltas
    return count.grouped(group_by)


def _raw_deltas(
    client: PrometheusClient,
    series: str,
    reset: list[dict[str, str]],
    start: float,
    end: float,
    at_start: dict[Key, float],
    nan_seen: bool,
    count: Count,
) -> list[tuple[dict[str, str], float]]:
    """Deltas of the series that reset, exactly, without fetching the whole window raw.

    The window is split into parts; a part whose series neither reset nor turn NaN gets its
    delta from its end values; only the parts with a reset are split again, down to parts of
    at most RAW_PART_S, which are fetched raw. A week-long window with one restart costs a
    few dozen small queries instead of every sample of the week. `at_start`: every series'
    value at the window's start (the first query's answer); `nan_seen`: whether a series of
    `reset` has a NaN sample in the window (else the parts' reset checks skip the NaN check).
    """
    starts: dict[Key, float | None] = {_key(labels): None for labels in reset}
    for key in starts:
        starts[key] = at_start.get(key)
    deltas = _part_deltas(
        client, series, reset, start, end, starts, promql.LOOKBACK_S, set(), nan_seen, count
    )
    result = []
    for labels in reset:
        delta = deltas.get(_key(labels))
        if delta is None or math.isnan(delta):
            count.nan = True
            continue
        count.reset_series += 1
        result.append((labels, delta))
    return result


def _part_resets_query(narrowed: str, seconds: float, reach: float, nan_seen: bool) -> str:
    """Resets in a part (its `seconds` up to the query's time) after the last sample at or
    before its start, which lies at most `reach` before that start: the resets of the range
    reaching back that far, minus those inside the reach alone. A series with no sample
    within reach is absent from the answer (the subtraction matches nothing). With
    `nan_seen`, NaN for a series with a NaN sample in the range (`resets()` skips NaN)."""
    part_ms, reach_ms = promql.duration_ms(seconds), promql.duration_ms(reach)
    selection = f"{narrowed}[{part_ms + reach_ms}ms]"
    query = f"resets({selection}) - resets({narrowed}[{reach_ms}ms] offset {part_ms}ms)"
    return query + (f" + 0 * sum_over_time({selection})" if nan_seen else "")


def _scan_parts(
    client: PrometheusClient,
    narrowed: str,
    low: float,
    high: float,
    reach: float,
    nan_seen: bool,
    count: Count,
) -> tuple[list[tuple[float, float, float]], tuple[list[Vector], list[Vector]]]:
    """(low, high] split into PARTS parts `(start, end, reach of its reset check)`, and every
    part's end values and reset checks.

    The parts but the first are whole milliseconds long and equal, so theirs come from two
    range queries (one per kind, each evaluated at every part's end), the first part's (a
    few ms longer when the span does not divide, and with its own `reach`) from two instant
    queries; all four are sent at once. Answers: (ends per part, resets per part).
    """
    low_ms, high_ms = round(low * 1000), round(high * 1000)
    step_ms = (high_ms - low_ms) // PARTS
    ends_ms = [high_ms - (PARTS - 1 - part) * step_ms for part in range(PARTS)]
    cuts = [low, *(ms / 1000 for ms in ends_ms[:-1]), high]
    step = step_ms / 1000
    later_reach = min(step, REACH_S)
    parts = [(a, b, later_reach) for a, b in itertools.pairwise(cuts)]
    parts[0] = (low, cuts[1], reach)
    first_ends = promql.end_values_query(narrowed, cuts[1] - low)
    first_resets = _part_resets_query(narrowed, cuts[1] - low, reach, nan_seen)
    ends = promql.end_values_query(narrowed, step)
    resets = _part_resets_query(narrowed, step, later_reach, nan_seen)
    count.queries += [first_ends, first_resets, ends, resets]
    later = (ends_ms[1], ends_ms[-1], step_ms)
    first_end_values, first_reset_counts, end_values, reset_counts = client.gather(
        [
            lambda: [client.vector(first_ends, cuts[1])],
            lambda: [client.vector(first_resets, cuts[1])],
            lambda: client.vectors_every(ends, *later),
            lambda: client.vectors_every(resets, *later),
        ]
    )
    return parts, (first_end_values + end_values, first_reset_counts + reset_counts)


def _narrow(series: str, members: list[dict[str, str]]) -> str:
    """`series` narrowed by the labels all `members` share (typically the restarted replica)."""
    common = set(members[0].items())
    for labels in members[1:]:
        common &= set(labels.items())
    matchers = [
        f'{name}="{promql.escape(value)}"' for name, value in sorted(common) if name != "__name__"
    ]
    return promql.with_matchers(series, matchers)


def _part_deltas(
    client: PrometheusClient,
    series: str,
    members: list[dict[str, str]],
    low: float,
    high: float,
    baselines: dict[Key, float | None],
    reach: float,
    carried: set[Key],
    nan_seen: bool,
    count: Count,
) -> dict[Key, float]:
    """Reset-aware deltas over (low, high] of `members`, given their values at `low`.

    `reach`: how far before `low` the first part's reset check looks for the baseline sample
    (the later parts look REACH_S back); `carried`: series whose baseline may be older (a
    gap), which are always split further or read raw, like a series with no sample within
    reach before its part.
    """
    narrowed = _narrow(series, members)
    wanted = {_key(labels): labels for labels in members}
    if high - low <= RAW_PART_S:
        query = f"{narrowed}[{promql.duration(high - low)}]"
        count.queries.append(query)
        raw = {_key(item.labels): item.samples for item in client.matrix(query, high)}
        deltas: dict[Key, float] = {}
        for key in wanted:
            samples = [(t, v) for t, v in raw.get(key, []) if t > low]
            if any(math.isnan(v) for _, v in samples):
                deltas[key] = math.nan
            else:
                deltas[key] = delta_from_samples(samples, low, baselines.get(key) or 0.0)
        return deltas
    totals = dict.fromkeys(wanted, 0.0)
    values = {key: baselines.get(key) for key in wanted}
    carried = set(carried)
    parts, answers = _scan_parts(client, narrowed, low, high, reach, nan_seen, count)
    for part, (a, b, reach_here) in enumerate(parts):  # judged in order
        ends = {_key(s.labels): s.value for s in answers[0][part]}
        resets = {_key(s.labels): s.value for s in answers[1][part]}
        at_a = dict(values)
        carried_at_a = set(carried)
        again: list[dict[str, str]] = []
        for key, labels in wanted.items():
            before, after = values[key], ends.get(key)
            if after is None:  # no sample in this part: the value carries over
                if before is not None:
                    carried.add(key)
                continue
            reset_count = resets.get(key)  # None: no sample within reach before the part
            if (
                key in carried
                or reset_count is None
                or math.isnan(after)
                or math.isnan(reset_count)
                or reset_count > 0
                or (before is not None and after < before)
            ):
                again.append(labels)
            else:
                totals[key] += after - (before or 0.0)
            values[key] = after
            carried.discard(key)
        if again:
            keys = {_key(labels) for labels in again}
            inner = _part_deltas(
                client, series, again, a, b, {k: at_a[k] for k in keys}, reach_here,
                carried_at_a & keys, nan_seen, count,
            )  # fmt: skip
            for key, delta in inner.items():
                totals[key] += delta
    return totals

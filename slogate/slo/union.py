"""Evaluating an SLO spec over a union of windows (the stretches in which load ran).

Locust's web UI pauses a session without ending it (Stop, then Start again), so a session's
evidence is the union of the intervals in which load ran, not the span from its first start to
its end: idle seconds would lower throughput and stretch the budget's window. Counts are
additive, so every count is the sum of the same count over each part, and a window's length
is the sum of its parts' lengths; everything else (the verdicts, bounds, budgets, the reasons
for INCONCLUSIVE) is `slogate.slo.evaluate`'s, unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import Field

from slogate.slo.counting import Count
from slogate.slo.evaluate import Evaluator, Window


class WindowUnion(Window):
    """Disjoint windows in time order; `start`/`end` span them, `seconds` is their sum."""

    parts: list[Window] = Field(default_factory=list)

    @property
    def seconds(self) -> float:
        return sum(part.seconds for part in self.parts)

    def overlap(self, other: Window) -> WindowUnion | None:
        """The parts' overlaps with `other` (a window or a union); None when none overlaps."""
        others = other.parts if isinstance(other, WindowUnion) else [other]
        return union_of(o for p in self.parts for q in others if (o := p.overlap(q)) is not None)


def union_of(windows: Iterable[Window]) -> WindowUnion | None:
    """The union of `windows` (overlapping or touching ones merged); None when empty."""
    parts: list[Window] = []
    for window in sorted(windows, key=lambda w: w.start):
        if window.end <= window.start:
            continue
        if parts and window.start <= parts[-1].end:
            parts[-1] = Window(start=parts[-1].start, end=max(parts[-1].end, window.end))
        else:
            parts.append(Window(start=window.start, end=window.end))
    if not parts:
        return None
    return WindowUnion(start=parts[0].start, end=parts[-1].end, parts=parts)


def summed(counts: list[Count]) -> Count:
    """One count from the counts of disjoint windows (a series counts once, at its most)."""
    total = Count()
    for count in counts:
        total.total += count.total
        for group, value in count.by_group.items():
            total.by_group[group] = total.by_group.get(group, 0.0) + value
        total.series = max(total.series, count.series)
        total.reset_series += count.reset_series
        total.nan = total.nan or count.nan
        total.queries += [q for q in count.queries if q not in total.queries]
    return total


@dataclass
class UnionEvaluator(Evaluator):
    """An Evaluator whose window may be a WindowUnion: each count is summed over its parts."""

    def count(
        self, series: str, group_by: str | None = None, window: Window | None = None
    ) -> Count:
        span = window or self.window
        if not isinstance(span, WindowUnion):
            return super().count(series, group_by, span)
        parts = [Window(start=p.start, end=p.end) for p in span.parts]
        return summed([super(UnionEvaluator, self).count(series, group_by, p) for p in parts])

"""Holes in the evidence: where a judged window lacks the samples its verdicts rest on.

Read from Prometheus' raw samples of each scrape target's `up` and (where the target exports
it) `process_start_time_seconds`, per window:

    down       `up` was 0: Prometheus reached nothing there
    missing    no sample for more than two scrape intervals (at the window's start, inside
               it, or before its end)
    restart    the target's process started anew inside the window
    prometheus every target missed the same stretch at once: Prometheus itself was gone

A hole is expected when a fault in the ledger put that part down (a killed or restarted
replica) and it lies within that fault's span; an expected hole is reported, an unexpected one
makes every objective measured at that place in that window INCONCLUSIVE (decide.py).
`find_gaps` and `classify` are pure; `holes_in` asks Prometheus.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from slogate.chaos.ledger import Fault
from slogate.slo.evaluate import Window
from slogate.slo.prometheus import PrometheusClient, RangeSeries

HoleKind = Literal["down", "missing", "restart", "prometheus"]
GAP_INTERVALS = 2.0  # samples may be this many scrape intervals apart before it is a hole
# a part a fault put down is expected down until it has restarted and been scraped again:
# this long after the fault ended at most (a cold start on a busy machine took 5 s)
RESTART_ALLOWANCE_S = 10.0
PLACES = ("server", "client", "edge")  # the `source` label of the scrape targets judged
ALL_PLACES = "all"


@dataclass(frozen=True)
class Hole:
    phase: str
    place: str  # server | client | edge, or "all" (Prometheus itself)
    part: str  # replica-0, edge, client, prometheus
    kind: HoleKind
    start: float
    end: float
    expected_by: str | None = None  # the fault that explains it

    @property
    def seconds(self) -> float:
        return max(0.0, self.end - self.start)

    def describe(self, origin: float) -> str:
        """`server replica-1 missing from +12.0 s for 4.0 s` (seconds after `origin`)."""
        what = {
            "down": "down (up == 0)",
            "missing": "not scraped",
            "restart": "restarted",
            "prometheus": "no samples from any target (Prometheus was gone)",
        }[self.kind]
        when = f"at +{self.start - origin:.1f} s"
        if self.kind != "restart":
            when += f" for {self.seconds:.1f} s"
        text = f"{self.phase}: {self.part} ({self.place}) {what} {when}"
        if self.expected_by is not None:
            text += f", expected: {self.expected_by}"
        return text


def find_gaps(times: Sequence[float], window: Window, scrape_s: float) -> list[tuple[float, float]]:
    """Stretches of `window` with no sample for more than GAP_INTERVALS scrape intervals."""
    limit = GAP_INTERVALS * scrape_s
    inside = sorted(t for t in times if window.start - limit <= t <= window.end)
    edges = [window.start, *inside, window.end]
    gaps = []
    for before, after in itertools.pairwise(edges):
        if after - before > limit:
            gaps.append((max(before, window.start), min(after, window.end)))
    return gaps


def _down(
    samples: Sequence[tuple[float, float]], window: Window, scrape_s: float
) -> list[tuple[float, float]]:
    """Runs of `up == 0` inside the window (from the first 0 to the next sample) longer than
    GAP_INTERVALS scrapes: one failed scrape is no more a hole than one missed scrape."""
    runs: list[tuple[float, float]] = []
    start: float | None = None
    for t, value in sorted(samples):
        if not window.start <= t <= window.end:
            continue
        if value == 0 and start is None:
            start = t
        elif value != 0 and start is not None:
            runs.append((start, t))
            start = None
    if start is not None:
        runs.append((start, window.end))
    return [(a, b) for a, b in runs if b - a > GAP_INTERVALS * scrape_s]


def _restarts(samples: Sequence[tuple[float, float]], window: Window) -> list[float]:
    """Start times of processes that started inside the window (their own start time)."""
    values = [value for _, value in sorted(samples)]
    return [
        new
        for old, new in itertools.pairwise(values)
        if new != old and window.start <= new <= window.end
    ]


def _part(labels: dict[str, str]) -> str:
    if "replica" in labels:
        return f"replica-{labels['replica']}"
    return labels.get("pod") or labels.get("source") or labels.get("instance", "?")


def classify(
    phase: str,
    window: Window,
    scrape_s: float,
    up: Sequence[RangeSeries],
    starts: Sequence[RangeSeries],
) -> list[Hole]:
    """Every hole of one window from the raw samples of `up` and the process start times."""
    holes: list[Hole] = []
    gaps_by_series: list[list[tuple[float, float]]] = []
    for series in up:
        place, part = series.labels.get("source", "?"), _part(series.labels)
        gaps = find_gaps([t for t, _ in series.samples], window, scrape_s)
        gaps_by_series.append(gaps)
        holes += [Hole(phase, place, part, "missing", a, b) for a, b in gaps]
        holes += [
            Hole(phase, place, part, "down", a, b)
            for a, b in _down(series.samples, window, scrape_s)
        ]
    for series in starts:
        place, part = series.labels.get("source", "?"), _part(series.labels)
        holes += [
            Hole(phase, place, part, "restart", t, t) for t in _restarts(series.samples, window)
        ]
    seen = {series.labels.get("source") for series in up}
    holes += [
        Hole(phase, place, place, "missing", window.start, window.end)
        for place in PLACES
        if place not in seen
    ]
    shared = _shared_gap(gaps_by_series)
    if shared is not None and len(up) > 1:
        holes = [h for h in holes if not (h.kind == "missing" and _overlaps(h, *shared))]
        holes.append(Hole(phase, ALL_PLACES, "prometheus", "prometheus", *shared))
    return holes


def _overlaps(hole: Hole, start: float, end: float) -> bool:
    return hole.start < end and start < hole.end


def _shared_gap(gaps_by_series: list[list[tuple[float, float]]]) -> tuple[float, float] | None:
    """The stretch every series missed at once (None when some series missed nothing then)."""
    if not gaps_by_series or any(not gaps for gaps in gaps_by_series):
        return None
    for start, end in gaps_by_series[0]:
        low, high = start, end
        for gaps in gaps_by_series[1:]:
            overlapping = [(a, b) for a, b in gaps if a < high and low < b]
            if not overlapping:
                break
            low, high = (
                max(low, min(a for a, _ in overlapping)),
                min(high, max(b for _, b in overlapping)),
            )
        else:
            if high > low:
                return low, high
    return None


def explain(holes: Sequence[Hole], faults: Sequence[Fault], scrape_s: float) -> list[Hole]:
    """Holes with `expected_by` set where a ledger fault on that part spans them (the latest
    such fault to start)."""
    explained = []
    for hole in holes:
        covering = [f for f in faults if _covers(f, hole, scrape_s)]
        # the latest one to start before the hole explains it (a restart, not the latency
        # fault that was on the same replica since earlier)
        fault = max(covering, key=lambda f: f.applied_at or f.intended_at, default=None)
        explained.append(
            hole if fault is None else replace(hole, expected_by=f"{fault.kind} on {fault.target}")
        )
    return explained


LOAD_STOPPED = "the load generator stopped after its last answer"


def load_generator_stopped(
    holes: Sequence[Hole],
    answered_until: float | None,
    client_scraped_until: float | None,
    scrape_s: float,
) -> list[Hole]:
    """Holes with `expected_by` set where the load generator's metrics went away after its
    last answer: it serves them until a scrape has read the final values, then exits, and a
    scrape after that finds it gone (before the gate sees the process end).

    Only when a scrape of it (`client_scraped_until`, its last `up == 1` sample) came at most a
    scrape before its results were written (`answered_until`, once its final counts were in
    the values it serves): its last scrapes end its lingering, which waits for one that
    reached it after the results were written, so the last good one read the final counts even
    when Prometheus stamped it a little earlier (it waited in the generator's queue while the
    results were written, or Prometheus' stamps run a few ms early). A last good scrape older
    than that came before the final counts, and the hole stays unexpected."""
    if answered_until is None or client_scraped_until is None:
        return list(holes)
    if client_scraped_until < answered_until - scrape_s:
        return list(holes)
    return [
        replace(hole, expected_by=LOAD_STOPPED)
        if hole.place == "client" and hole.expected_by is None and hole.start >= answered_until
        else hole
        for hole in holes
    ]


def client_scraped_until(client: PrometheusClient, since: float, until: float) -> float | None:
    """The load generator's last successful scrape (`up == 1`) in [since, until]; None when
    there is none."""
    if until <= since:
        return None
    span = max(1, round((until - since) * 1000))
    series = client.matrix(f'up{{source="client"}}[{span}ms]', until)
    return max((t for s in series for t, v in s.samples if v == 1 and t >= since), default=None)


def _covers(fault: Fault, hole: Hole, scrape_s: float) -> bool:
    if fault.target != hole.part:
        return False
    start = fault.applied_at if fault.applied_at is not None else fault.intended_at
    end = fault.ended_at if fault.ended_at is not None else float("inf")
    slack = GAP_INTERVALS * scrape_s
    return start - slack <= hole.start and hole.end <= end + slack + RESTART_ALLOWANCE_S


def _raw(
    client: PrometheusClient, metric: str, window: Window, scrape_s: float
) -> list[RangeSeries]:
    sources = "|".join(PLACES)
    span = window.seconds + GAP_INTERVALS * scrape_s + 1
    expr = f'{metric}{{source=~"{sources}"}}[{max(1, round(span * 1000))}ms]'
    return client.matrix(expr, window.end)


def holes_in(
    client: PrometheusClient,
    phase: str,
    window: Window,
    scrape_s: float,
    faults: Sequence[Fault],
) -> list[Hole]:
    """The holes of one judged window, explained by the ledger's faults where they can be."""
    if window.seconds <= 0:
        return []
    up = _raw(client, "up", window, scrape_s)
    starts = _raw(client, "process_start_time_seconds", window, scrape_s)
    return explain(classify(phase, window, scrape_s, up, starts), faults, scrape_s)

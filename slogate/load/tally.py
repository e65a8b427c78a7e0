"""What the load generator counted: request starts, outcomes, latency (lossless, HDR).

A `Tally` is plain data (no gevent, no locust): each Locust process records into its own,
hands over what it gathered as a JSON-safe delta (`take_delta`), and the master (or the
single process) merges the deltas into one aggregate (`merge`), which serves the client
metrics and is written to the run folder (`to_document` / `from_document`). Merging is
exact: counts add up and HDR histograms are added bucket by bucket.

Latency is kept twice: `service` (from the request's actual start to its end) and
`intended` (from its scheduled start to its end, coordinated-omission-safe).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any, TypedDict

from hdrh.histogram import HdrHistogram

STATUS_CLASSES = ("2xx", "3xx", "4xx", "5xx", "transport")
TIMINGS = ("service", "intended")
# The server's histogram buckets (seconds); the client uses the same ones.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# HDR range: 1 microsecond to 1 hour, 3 significant digits.
HDR_LOWEST_US = 1
HDR_HIGHEST_US = 3_600_000_000
HDR_DIGITS = 3

RouteKey = tuple[str, str]  # (method, route template)
SeriesKey = tuple[str, str, str]  # (method, route, status_class)


class TallyDocument(TypedDict):
    """A tally (or a delta of one), JSON- and msgpack-safe: what a worker sends the master
    every second and what `tally.json` holds."""

    routes: list[list[str]]  # [method, route]
    requests: list[list[Any]]  # [method, route, status class, count]
    durations: list[list[Any]]  # [method, route, status class, timing, bucket counts, total s]
    stages: dict[str, dict[str, int]]  # stage index -> StageCounts fields
    histograms: list[list[Any]]  # [stage, timing, HDR histogram as base64]
    transport_errors: dict[str, int]
    saturated_seconds: int
    saturated_now: bool


def new_histogram() -> HdrHistogram:
    return HdrHistogram(HDR_LOWEST_US, HDR_HIGHEST_US, HDR_DIGITS)


# The counts index of a value in a `new_histogram()` (lowest 1, 3 significant digits: values
# under 2,048 have their own slot, each power of two above shares 1,024 slots). hdrh's own
# `record_value` computes the same index through five pure-Python calls; this is the load
# generator's hot path (twice per request), so it is done in one expression here.
_SUB_BUCKET_BITS = 11  # 2,048 sub-buckets: 3 significant digits
_HALF_BITS = _SUB_BUCKET_BITS - 1


def record_us(histogram: HdrHistogram, value: int) -> None:
    """`histogram.record_value(value)` for a `new_histogram()` and 1 <= value <= its highest;
    the same state (counts, total, min, max), checked against hdrh in tests/load/test_tally.py."""
    shift = value.bit_length() - _SUB_BUCKET_BITS
    if shift < 0:
        shift = 0
    histogram.counts[((shift + 1) << _HALF_BITS) + (value >> shift) - (1 << _HALF_BITS)] += 1
    histogram.total_count += 1
    if value < histogram.min_value:
        histogram.min_value = value
    if value > histogram.max_value:
        histogram.max_value = value


def value_at_percentile(histogram: HdrHistogram, percentile: float) -> int:
    """`histogram.get_value_at_percentile(percentile)`, the same value (checked against hdrh
    in tests/load/test_tally.py), at about twice the speed: hdrh walks its counts with a
    Python call per slot; this runs the cumulative count in C over the counts' memory."""
    target = histogram.get_target_count_at_percentile(percentile)
    # hdrh reads a count past a decoded payload's own length as 0
    length = min(histogram.counts_len, histogram.encoder.payload.counts_len)
    counts = memoryview(histogram.counts).cast("B").cast(histogram.counts._type_._type_)
    for index, total in enumerate(accumulate(counts[:length])):
        if total >= target:
            value = histogram.get_value_from_index(index)
            if percentile:
                return int(histogram.get_highest_equivalent_value(value))
            return int(histogram.get_lowest_equivalent_value(value))
    return 0


def status_class(status: int) -> str:
    """'2xx'..'5xx' for an HTTP status; 'transport' for 0 (no answer)."""
    if 200 <= status < 600:
        return f"{status // 100}xx"
    return "transport"


def _microseconds(seconds: float) -> int:
    """A latency as whole microseconds within the HDR range."""
    value = round(seconds * 1e6)
    return 1 if value < 1 else HDR_HIGHEST_US if value > HDR_HIGHEST_US else value


@dataclass
class StageCounts:
    """Counts of one stage of the profile."""

    starts: int = 0
    missed: int = 0
    late: int = 0
    completed: int = 0
    errors: int = 0  # 5xx or transport


@dataclass
class Bucketed:
    """A Prometheus-style histogram: counts per bucket (not cumulative), +Inf last, sum."""

    counts: list[int] = field(default_factory=lambda: [0] * (len(BUCKETS) + 1))
    total_s: float = 0.0

    def observe(self, seconds: float) -> None:
        self.counts[bisect.bisect_left(BUCKETS, seconds)] += 1
        self.total_s += seconds


@dataclass
class Tally:
    """Counts and latency recorded by one process, or merged from all of them."""

    routes: list[RouteKey] = field(default_factory=list)
    requests: dict[SeriesKey, int] = field(default_factory=dict)
    durations: dict[tuple[str, str, str, str], Bucketed] = field(default_factory=dict)
    stages: dict[int, StageCounts] = field(default_factory=dict)
    histograms: dict[tuple[int, str], HdrHistogram] = field(default_factory=dict)
    transport_errors: dict[str, int] = field(default_factory=dict)
    saturated_seconds: int = 0
    saturated_now: bool = False
    # The hot path's shortcuts (recording runs twice per request): the two `durations` of
    # each series and the two `histograms` of each stage, found with one look-up; emptied
    # whenever those dicts are replaced (`take_delta`).
    _series: dict[SeriesKey, tuple[Bucketed, Bucketed]] = field(
        default_factory=dict, repr=False, compare=False
    )
    _stage_histograms: dict[int, tuple[HdrHistogram, HdrHistogram]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def declare_routes(self, routes: list[RouteKey]) -> None:
        """Pre-initialise every label set, so each series exists at 0 before its first use."""
        for method, route in routes:
            if (method, route) not in self.routes:
                self.routes.append((method, route))
            for klass in STATUS_CLASSES:
                self.requests.setdefault((method, route, klass), 0)
                for timing in TIMINGS:
                    self.durations.setdefault((method, route, klass, timing), Bucketed())

    def stage(self, index: int) -> StageCounts:
        counts = self.stages.get(index)
        if counts is None:
            counts = self.stages[index] = StageCounts()
        return counts

    def record_start(self, stage: int, late: bool) -> None:
        counts = self.stage(stage)
        counts.starts += 1
        if late:
            counts.late += 1

    def record_missed(self, stage: int, count: int = 1) -> None:
        self.stage(stage).missed += count

    def record_response(
        self,
        method: str,
        route: str,
        status: int,
        service_s: float,
        intended_s: float,
        stage: int,
        transport_error: str | None = None,
        scheduled: bool = True,
    ) -> None:
        """One finished request (status 0 with `transport_error` when nothing was answered).

        An unscheduled request (set-up traffic such as discovering ids) counts in the metrics
        the server also sees, but not in the schedule's stages nor its HDR histograms.
        """
        klass = status_class(status)
        key = (method, route, klass)
        self.requests[key] = self.requests.get(key, 0) + 1
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = (
                self._bucketed(key, "service"),
                self._bucketed(key, "intended"),
            )
        series[0].observe(service_s)
        series[1].observe(intended_s)
        if transport_error is not None:
            self.transport_errors[transport_error] = (
                self.transport_errors.get(transport_error, 0) + 1
            )
        if not scheduled:
            return
        histograms = self._stage_histograms.get(stage)
        if histograms is None:
            histograms = self._stage_histograms[stage] = (
                self._histogram(stage, "service"),
                self._histogram(stage, "intended"),
            )
        record_us(histograms[0], _microseconds(service_s))
        record_us(histograms[1], _microseconds(intended_s))
        counts = self.stage(stage)
        counts.completed += 1
        if klass in ("5xx", "transport"):
            counts.errors += 1

    def _bucketed(self, key: SeriesKey, timing: str) -> Bucketed:
        full = (*key, timing)
        bucketed = self.durations.get(full)
        if bucketed is None:
            bucketed = self.durations[full] = Bucketed()
        return bucketed

    def _histogram(self, stage: int, timing: str) -> HdrHistogram:
        histogram = self.histograms.get((stage, timing))
        if histogram is None:
            histogram = self.histograms[(stage, timing)] = new_histogram()
        return histogram

    # --- totals -----------------------------------------------------------------------------

    def total(self, name: str) -> int:
        """Sum of one StageCounts field over all stages."""
        return sum(getattr(counts, name) for counts in self.stages.values())

    def histogram(self, timing: str, stage: int | None = None) -> HdrHistogram:
        """The HDR histogram of one timing, for one stage or all of them (a new object)."""
        merged = new_histogram()
        for (index, kind), histogram in self.histograms.items():
            if kind == timing and (stage is None or index == stage):
                merged.add(histogram)
        return merged

    # --- deltas and documents ---------------------------------------------------------------

    def to_document(self) -> TallyDocument:
        """JSON-safe form (histograms encoded as HDR base64 strings)."""
        return {
            "routes": [list(route) for route in self.routes],
            "requests": [[*key, count] for key, count in self.requests.items()],
            "durations": [[*key, b.counts, b.total_s] for key, b in self.durations.items()],
            "stages": {str(i): vars(c) for i, c in self.stages.items()},
            "histograms": [
                [stage, timing, histogram.encode().decode("ascii")]
                for (stage, timing), histogram in self.histograms.items()
                if histogram.get_total_count()
            ],
            "transport_errors": dict(self.transport_errors),
            "saturated_seconds": self.saturated_seconds,
            "saturated_now": self.saturated_now,
        }

    @classmethod
    def from_document(cls, document: TallyDocument) -> Tally:
        tally = cls()
        tally.merge(document)
        tally.saturated_now = bool(document.get("saturated_now", False))
        return tally

    def take_delta(self) -> TallyDocument:
        """What was recorded since the last call, JSON-safe; the counts restart from zero."""
        delta = self.to_document()
        self.requests = dict.fromkeys(self.requests, 0)
        self.durations = {key: Bucketed() for key in self.durations}
        self.stages = {}
        self.histograms = {}
        self._series, self._stage_histograms = {}, {}
        self.transport_errors = {}
        self.saturated_seconds = 0
        return delta

    def merge(self, delta: TallyDocument) -> None:
        """Add a delta (or a whole document) from another process."""
        self.declare_routes([(method, route) for method, route in delta.get("routes", [])])
        for method, route, klass, count in delta.get("requests", []):
            key = (method, route, klass)
            self.requests[key] = self.requests.get(key, 0) + count
        for method, route, klass, timing, counts, total_s in delta.get("durations", []):
            bucketed = self.durations.setdefault((method, route, klass, timing), Bucketed())
            bucketed.counts = [a + b for a, b in zip(bucketed.counts, counts, strict=True)]
            bucketed.total_s += total_s
        for index, counts in delta.get("stages", {}).items():
            mine = self.stage(int(index))
            for name, value in counts.items():
                setattr(mine, name, getattr(mine, name) + value)
        for stage, timing, encoded in delta.get("histograms", []):
            self._histogram(stage, timing).add(HdrHistogram.decode(encoded))
        for kind, count in delta.get("transport_errors", {}).items():
            self.transport_errors[kind] = self.transport_errors.get(kind, 0) + count
        # `saturated_now` is a state, not a count: the caller decides how sources combine.
        self.saturated_seconds += delta.get("saturated_seconds", 0)

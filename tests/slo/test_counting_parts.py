"""The raw path of reset-aware counting (a window split into parts, only the parts with a
reset read raw) against a real Prometheus, checked sample for sample against the raw points.

Counters scraped every 1, 15 and 97 s (slower than the parts' reach, REACH_S, so their parts
are split further), with resets on the parts' boundaries (where a part's own reset check also
sees its neighbour's reset), across a scrape gap, in a series born inside the window, to a
non-zero value, and beside a NaN sample.
"""

from __future__ import annotations

import math
import random

import pytest

from slogate.slo.counting import REACH_S, count_counters, delta_from_samples
from slogate.slo.prometheus import PrometheusClient
from tests.slo.backfill import SeriesData, backfilled_prometheus
from tests.slo.known_data import base_time

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("slo-prometheus")]

HOUR = 3600
Points = list[tuple[float, float]]


def counter(t0: int, every: int, resets: set[int], rng: random.Random, *, born: int = 0,
            gap: range = range(0), restart_value: float = 0.0, drop: float | None = None,
            ) -> Points:  # fmt: skip
    """A counter sampled every `every` s from t0 - 600 + born to t0 + HOUR + 60 that restarts
    at each second in `resets` (to `restart_value`, or `drop` below its value: a reset the
    counter soon climbs back over) and has no samples in `gap`."""
    points, value = [], 0.0
    for second in range(-600 + born, HOUR + 61, every):
        if any(second - every < r <= second for r in resets):
            value = restart_value if drop is None else value - drop
        else:
            value += rng.randint(0, 9)
        if second not in gap:  # the counter runs on, unseen
            points.append((t0 + second, value))
    return points


def series(t0: int) -> dict[str, Points]:
    rng = random.Random(15)
    assert REACH_S < 97  # the 97 s counter's previous sample is often out of reach
    return {
        # 1 h / 8 parts = 450 s, then 56.25 s: resets on both levels' boundaries
        "boundaries": counter(t0, 1, {450, 1800, 1856}, rng),
        "15s": counter(t0, 15, {700, 2222}, rng),
        "97s": counter(t0, 97, {1000, 2900}, rng, drop=5),
        "gap": counter(t0, 10, {1500}, rng, gap=range(1200, 1900)),  # reset unseen
        "born": counter(t0, 5, {2500}, rng, born=2600),
        "to-a-value": counter(t0, 1, {3000}, rng, restart_value=1000.0),
        "no-reset": counter(t0, 1, set(), rng),
    }


@pytest.fixture(scope="module")
def prometheus():
    t0 = base_time() - HOUR
    data = SeriesData()
    points = series(t0)
    for case, samples in points.items():
        data.add("parts", "counter", "parts_total", {"case": case}, samples)
    nan = [(t, math.nan if t == t0 + 2010 else v) for t, v in points["15s"]]
    data.add("parts_nan", "counter", "parts_nan_total", {"case": "15s"}, nan)
    with backfilled_prometheus(data) as server:
        yield server.url, t0, points


WINDOWS = [(0, HOUR), (37.5, 3333.25), (-300, 2000), (1799, 1801 + 450)]


@pytest.mark.parametrize(("start", "end"), WINDOWS)
def test_counts_equal_the_raw_samples(prometheus, start, end):
    url, t0, points = prometheus
    start, end = t0 + start, t0 + end
    with PrometheusClient(url) as client:
        for case, samples in points.items():
            count = count_counters(client, f'parts_total{{case="{case}"}}', start, end)
            expected = delta_from_samples([(t, v) for t, v in samples if t <= end], start)
            assert (case, count.total) == (case, expected)
            assert not count.nan
        everything = count_counters(client, "parts_total", start, end, group_by="case")
    expected_by_case = {
        case: delta_from_samples([(t, v) for t, v in samples if t <= end], start)
        for case, samples in points.items()
    }
    assert everything.by_group == {
        c: v for c, v in expected_by_case.items() if c in everything.by_group
    }
    assert everything.total == sum(everything.by_group.values())


def test_a_nan_sample_beside_a_reset_makes_the_count_unusable(prometheus):
    url, t0, _ = prometheus
    with PrometheusClient(url) as client:
        count = count_counters(client, 'parts_nan_total{case="15s"}', t0, t0 + HOUR)
        before = count_counters(client, 'parts_nan_total{case="15s"}', t0, t0 + 1900)
    assert count.nan
    assert not before.nan and before.reset_series == 1

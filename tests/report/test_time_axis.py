"""The report's time axes read in UTC clock time, with the seconds since start beneath."""

from __future__ import annotations

import re

import pytest

from slogate.report.html import to_html
from slogate.report.svg import clock_step, clock_ticks
from tests.report.scenarios import SCENARIOS, START
from tests.report.test_html import charts_of

TICK = re.compile(
    r'<text class="tick" x="([\d.]+)" y="233" text-anchor="middle">(\d\d:\d\d:\d\d)'
    r"<title>(.*?)</title></text>\s*"
    r'<text class="tick since-start" x="([\d.]+)" y="246" text-anchor="middle">(.*?)</text>'
)


def test_ticks_are_utc_clock_times_from_the_runs_start():
    report = SCENARIOS["failing_regression"]()  # started 2026-11-28T14:15:03Z, lasted 89 s
    assert report.started_at == START
    for key, svg in charts_of(to_html(report)).items():
        ticks = TICK.findall(svg)
        assert [(clock, since) for _, clock, _, _, since in ticks] == [
            ("14:15:15", "+12 s"), ("14:15:30", "+27 s"), ("14:15:45", "+42 s"),
            ("14:16:00", "+57 s"), ("14:16:15", "+72 s"), ("14:16:30", "+87 s"),
        ], key  # fmt: skip
        assert ticks[0][2] == "14:15:15 UTC, +12 s since start"
        plot_x, plot_w = 70, 900 - 70 - 16
        assert float(ticks[0][0]) == pytest.approx(plot_x + 12 / 89 * plot_w, abs=0.1)
        assert ticks[0][0] == ticks[0][3]
        assert "UTC time on 2026-11-28, started 14:15:03 (beneath: seconds since start)" in svg
        assert svg.count('<rect class="fault-window"') == 1  # fault windows still drawn


@pytest.mark.parametrize(
    ("span", "step"),
    [("5 s", 1), ("89 s", 15), ("10 min", 120), ("2 h", 900), ("3 days", 43200), ("5 days", 86400)],
)
def test_clock_steps_read_as_clock_times(span, step):
    number, unit = span.split()
    seconds = float(number) * {"s": 1, "min": 60, "h": 3600, "days": 86400}[unit]
    assert clock_step(seconds) == step
    assert seconds / clock_step(seconds) <= 8


def test_clock_ticks_land_on_round_times_across_midnight():
    ticks = clock_ticks(START - 14 * 3600 - 15 * 60 - 3 - 20, 0.0, 60.0)  # 23:59:40 .. 00:00:40
    assert [label for _, label, _ in ticks] == [
        "23:59:40", "23:59:50", "00:00:00", "00:00:10", "00:00:20", "00:00:30", "00:00:40",
    ]  # fmt: skip
    assert [since for _, _, since in ticks] == [f"+{s} s" for s in range(0, 61, 10)]

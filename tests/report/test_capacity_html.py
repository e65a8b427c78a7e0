"""capacity.html: the curve as SVG with the capacity and the first broken rate marked, which
objective broke first and every step's verdicts; it renders offline in headless chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from slogate.capacity.html import curves
from slogate.capacity.report import write_reports
from slogate.capacity.search import Conclusion, Outcome
from slogate.capacity.step import StepRecord
from slogate.errors import ExitCode
from tests.report.test_browser import CHROMIUM, chromium


def _record(
    rate: float, outcome: Outcome, p95: float, errors: float, broken: tuple[str, ...] = ()
) -> StepRecord:
    verdicts = (f"p95-under-500ms (client): {'FAIL' if broken else 'PASS'}: {p95:g} ms",)
    return StepRecord(rate, 20, outcome, broken, rate * 0.99, p95, p95 * 2, errors, verdicts, "")


RECORDS = [
    _record(100, Outcome.HELD, 12, 0.0), _record(150, Outcome.HELD, 15, 0.0),
    _record(225, Outcome.BROKE, 900, 0.02, ("p95-under-500ms (client)",)),
    _record(187.5, Outcome.HELD, 40, 0.0),
    _record(206.25, Outcome.BROKE, 650, 0.0, ("p95-under-500ms (server)",)),
]  # fmt: skip
FOUND = Conclusion(
    187.5, False, "held at 187.5 req/s, broke at 206.25 req/s (p95-under-500ms (server))",
    ("p95-under-500ms (server)",), ExitCode.BREACHED,
)  # fmt: skip


def test_the_curves_are_by_rate_with_the_capacity_and_first_broken_rate_marked() -> None:
    latency, errors = curves(RECORDS, FOUND)
    assert [x for x, _ in latency.lines[0].points] == [100, 150, 187.5, 206.25, 225]
    assert [y for _, y in latency.lines[0].points] == [12, 15, 40, 650, 900]
    assert [y for _, y in errors.lines[0].points] == [0, 0, 0, 0, pytest.approx(2.0)]
    assert [(m.at, m.label) for m in latency.marks] == [
        (187.5, "capacity 187.5"), (206.25, "broke at 206.25"),
    ]  # fmt: skip
    assert latency.x_label == errors.x_label == "offered rate (req/s)"
    at_least = Conclusion(150, True, "saturated", (), ExitCode.OK)
    assert curves(RECORDS[:2], at_least)[0].marks[0].label == "capacity ≥ 150"


def test_the_page_has_the_outcome_the_charts_and_every_step(tmp_path: Path) -> None:
    write_reports(tmp_path, RECORDS, FOUND, 200)
    page = (tmp_path / "capacity.html").read_text()
    assert "FAIL: capacity 187.5 req/s" in page
    assert "Broke first: <code>p95-under-500ms (server)</code>" in page
    assert re.findall(r'data-chart="([a-z_]+)"', page) == ["capacity_latency", "capacity_errors"]
    assert page.count('class="phase-mark"') == 2 * 2  # capacity and broke, on both charts
    assert page.count('<tr class="step ') == 5
    assert "p95-under-500ms (client): FAIL: 900 ms" in page
    assert "<script" not in page and "src=" not in page and "href=" not in page
    summary = (tmp_path / "summary.md").read_text()
    assert "Broke first: p95-under-500ms (server)." in summary
    # mid-search: the steps so far, no conclusion
    write_reports(tmp_path, RECORDS[:2], None, 200)
    assert "PARTIAL: the search did not finish" in (tmp_path / "capacity.html").read_text()


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed")
def test_capacity_html_renders_offline_with_its_curves(tmp_path: Path) -> None:
    write_reports(tmp_path, RECORDS, FOUND, 200)
    result = chromium(tmp_path, tmp_path / "capacity.html", "--dump-dom")
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    charts = re.findall(r'<svg class="chart" data-chart="([a-z_]+)"', dom)
    assert charts == ["capacity_latency", "capacity_errors"]
    assert dom.count("<polyline") == 3  # p95, p99, errors
    assert '<section id="verdict">' in dom and dom.count('<tr class="step ') == 5

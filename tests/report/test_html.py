"""report.html: verdict first, three inline SVG charts, fault shading, thresholds, offline."""

from __future__ import annotations

import html
import re

import pytest

from slogate.report.html import to_html
from slogate.report.svg import Chart, Line, Rule, nice_step, render
from tests.report.scenarios import SCENARIOS

SVG_NAMESPACE = "http://www.w3.org/2000/svg"


def charts_of(page: str) -> dict[str, str]:
    """data-chart key -> the <svg> markup, in page order."""
    pattern = re.compile(r'<svg class="chart" data-chart="([a-z_]+)".*?</svg>', re.S)
    return {match.group(1): match.group(0) for match in pattern.finditer(page)}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_verdict_summary_comes_first(name):
    page = to_html(SCENARIOS[name]())
    verdict = page.index('<section id="verdict">')
    assert verdict < page.index("<svg") < page.index("Verdicts per phase")
    assert verdict < page.index('class="banner')


def test_failing_run_leads_with_fail_and_the_breached_objectives():
    page = to_html(SCENARIOS["failing_regression"]())
    banner = page[page.index('class="banner') :]
    assert re.match(r'class="banner fail">\s*<div class="big">FAIL</div>', banner)
    attention = page[page.index('<table class="attention">') : page.index("</table>")]
    assert attention.count('<span class="verdict FAIL">') == 4
    assert "540 slower than 0.5 s of 4,500" in attention


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_one_svg_per_chart(name):
    page = to_html(SCENARIOS[name]())
    assert page.count("<svg") == 3
    assert list(charts_of(page)) == ["request_rate", "error_ratio", "latency"]
    for svg in charts_of(page).values():
        assert "<polyline" in svg


@pytest.mark.parametrize(
    ("name", "faults"),
    [
        ("passing_smoke", 0),
        ("passing_pod_kill", 1),
        ("failing_regression", 1),
        ("partial_interrupted", 1),
    ],
)
def test_fault_windows_are_shaded_in_every_chart(name, faults):
    for svg in charts_of(to_html(SCENARIOS[name]())).values():
        assert svg.count('<rect class="fault-window"') == faults


def test_fault_shading_spans_the_fault_window():
    report = SCENARIOS["failing_regression"]()  # fault applied at +41 s, ended at +56 s of 89 s
    svg = charts_of(to_html(report))["latency"]
    x, width = map(
        float,
        re.search(r'class="fault-window" x="([\d.]+)" y="\d+" width="([\d.]+)"', svg).groups(),
    )
    plot_x, plot_w = 70, 900 - 70 - 16
    assert x == pytest.approx(plot_x + 41 / 89 * plot_w, abs=0.1)
    assert width == pytest.approx(15 / 89 * plot_w, abs=0.2)


def test_slo_thresholds_are_drawn_as_lines():
    charts = charts_of(to_html(SCENARIOS["failing_regression"]()))
    latency_rules = re.findall(r'<line class="threshold".*?<title>(.*?)</title>', charts["latency"])
    assert latency_rules == ["p95-under-500ms (500 ms)", "p99-under-1s (1000 ms)"]
    error_rules = re.findall(
        r'<line class="threshold".*?<title>(.*?)</title>', charts["error_ratio"]
    )
    assert error_rules == ["availability ≤ 0.10%", "errors-under-1pct ≤ 1.00%"]


def test_a_threshold_far_above_the_data_is_named_not_drawn():
    svg = charts_of(to_html(SCENARIOS["passing_smoke"]()))["latency"]  # p99 ~ 45 ms vs 1 s
    assert '<line class="threshold"' not in svg
    assert "↑ p99-under-1s (1000 ms): above the chart" in svg


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_page_references_nothing_external(name):
    page = to_html(SCENARIOS[name]())
    assert set(re.findall(r"https?://[^\s\"'<>)]+", page)) <= {SVG_NAMESPACE}
    assert not re.search(r"<script|<link|<img|<iframe|@import|url\(", page, re.I)
    assert not re.search(r"\b(src|href)\s*=", page, re.I)


def test_partial_runs_are_clearly_marked():
    page = to_html(SCENARIOS["partial_interrupted"]())
    assert '<div class="partial">⚠ PARTIAL RUN: interrupted (SIGINT) during fault.' in page
    assert "INTERRUPTED (partial: interrupted (SIGINT) during fault)" in page
    assert "Every gating objective passed in every phase." not in page
    assert 'class="phase fault unfinished"' in page
    assert "PARTIAL RUN" not in to_html(SCENARIOS["passing_smoke"]())


def test_evidence_and_promql_sit_in_details():
    page = to_html(SCENARIOS["passing_smoke"]())
    details = re.findall(
        r"<details><summary>evidence and PromQL</summary>(.*?)</details>", page, re.S
    )
    assert len(details) == 7  # one per objective and place in the one phase
    text = html.unescape(details[0])
    assert 'last_over_time(http_requests_total{source="server",route=~"/api/.*"}[300000ms])' in text
    assert "0 / 9,000" in page


def test_journals_environment_and_client_only_errors_are_shown():
    page = to_html(SCENARIOS["passing_pod_kill"]())
    assert "A replica is killed under load and the service keeps its SLO" in page
    assert "kill-one-replica" in page and "replicas-back" in page
    assert '<th>prometheus</th><td colspan="3">2.42.0</td>' in page
    assert "errors the server never saw · fault" in page
    assert "2.4 s" in page


def test_text_from_the_run_is_escaped():
    report = SCENARIOS["inconclusive"]()
    report.notes.append("<script>alert(1)</script>")
    page = to_html(report)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_nice_steps_are_one_two_five():
    assert [nice_step(s) for s in (1.0, 10.0, 89.0, 0.0125, 1250.0)] == [
        0.2,
        2.0,
        20.0,
        0.0025,
        250.0,
    ]


def test_a_gap_in_a_series_breaks_the_line():
    points = [(0.0, 1.0), (1.0, 2.0), (2.0, None), (3.0, 2.0), (4.0, float("nan")), (5.0, 1.0)]
    chart = Chart(
        "t", "t", "y", 0, 5, lines=[Line("server", points, "#000")], rules=[Rule("limit", 2.5)]
    )
    svg = str(render(chart))
    assert svg.count("<polyline") == 3
    assert svg.count('<line class="threshold"') == 1

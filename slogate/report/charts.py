"""The report's three charts from a RunReport: request rate, error ratio, latency quantiles.

Client and server (and edge) lines share a chart; fault windows are shaded and the SLO
thresholds drawn: error-ratio lines from availability objectives, latency lines from latency
objectives, a rate line from throughput objectives. The time axis reads in UTC clock time with
the seconds since the run started beneath.
"""

from __future__ import annotations

from datetime import UTC, datetime

from markupsafe import Markup

from slogate.report.model import PhaseName, RunReport, SeriesMetric, TimeSeries
from slogate.report.svg import Band, Chart, Line, Mark, Rule, render, utc_clock
from slogate.slo.spec import BuiltinSLI

PLACE_COLOURS = {"server": "#2563eb", "client": "#ea580c", "edge": "#059669"}
PLACE_ORDER = {"client": 0, "edge": 1, "server": 2}
STAT_STYLE = {"p50": ("2 3", 1.4), "p95": ("7 3", 1.8), "p99": ("", 2.2)}
RULE_COLOURS = ("#b91c1c", "#7c3aed", "#be185d", "#0f766e")
SHOWN_PHASES = {PhaseName.BASELINE, PhaseName.FAULT, PhaseName.RECOVERY, PhaseName.WARM_UP}


def _shift(series: TimeSeries, origin: float, scale: float) -> list[tuple[float, float | None]]:
    return [(t - origin, None if v is None else v * scale) for t, v in series.points]


def _thresholds(report: RunReport) -> dict[SeriesMetric, list[tuple[str, float]]]:
    """(label, value in chart units) per metric, from the SLO spec or else the evidence."""
    found: dict[SeriesMetric, dict[float, str]] = {metric: {} for metric in SeriesMetric}

    def add(metric: SeriesMetric, value: float, label: str) -> None:
        found[metric].setdefault(round(value, 9), label)

    if report.slo is not None:
        for objective in report.slo.spec.objectives:
            if objective.sli == BuiltinSLI.AVAILABILITY and objective.target is not None:
                share = 1 - objective.target
                add(SeriesMetric.ERROR_RATIO, share * 100, f"{objective.name} ≤ {share:.2%}")
            elif objective.sli == BuiltinSLI.LATENCY and objective.threshold is not None:
                ms = objective.threshold * 1000
                add(SeriesMetric.LATENCY, ms, f"{objective.name} ({ms:g} ms)")
            elif objective.sli == BuiltinSLI.THROUGHPUT and objective.min_rps is not None:
                add(SeriesMetric.REQUEST_RATE, objective.min_rps, f"{objective.name}")
    for _, result in report.phase_results():
        evidence = result.evidence
        if result.sli == BuiltinSLI.AVAILABILITY and evidence.allowed_bad_share is not None:
            share = evidence.allowed_bad_share
            add(SeriesMetric.ERROR_RATIO, share * 100, f"{result.objective} ≤ {share:.2%}")
        elif result.sli == BuiltinSLI.LATENCY and evidence.threshold is not None:
            ms = evidence.threshold * 1000
            add(SeriesMetric.LATENCY, ms, f"{result.objective} ({ms:g} ms)")
        elif result.sli == BuiltinSLI.THROUGHPUT and evidence.threshold is not None:
            add(SeriesMetric.REQUEST_RATE, evidence.threshold, result.objective)
    return {
        metric: [(label, value) for value, label in sorted(values.items())]
        for metric, values in found.items()
    }


def build_charts(report: RunReport) -> list[Chart]:
    """Request rate, error ratio and latency charts, in that order."""
    origin = report.started_at
    span = report.ended_at - origin
    bands = [
        Band(start - origin, end - origin, f"{fault.kind} → {fault.target}")
        for fault in report.faults
        for start, end in [fault.span(report.ended_at)]
    ]
    marks = [
        Mark(phase.start - origin, phase.name)
        for phase in report.timeline
        if phase.name.split(":")[0] in SHOWN_PHASES
    ]
    thresholds = _thresholds(report)
    day = datetime.fromtimestamp(origin, UTC).strftime("%Y-%m-%d")
    x_label = f"UTC time on {day}, started {utc_clock(origin)} (beneath: seconds since start)"
    charts = [
        Chart("Request rate", "request_rate", "requests/s", 0, span,
              y_format=lambda v: f"{v:,.0f}" if v >= 10 else f"{v:g}"),
        Chart("Error ratio", "error_ratio", "errors (% of requests)", 0, span,
              y_format=lambda v: f"{v:.3g}"),
        Chart("Latency p50 / p95 / p99", "latency", "milliseconds", 0, span,
              y_format=lambda v: f"{v:,.0f}" if v >= 10 else f"{v:g}"),
    ]  # fmt: skip
    scales = {
        SeriesMetric.REQUEST_RATE: 1.0,
        SeriesMetric.ERROR_RATIO: 100.0,
        SeriesMetric.LATENCY: 1000.0,
    }
    by_metric = dict(zip(SeriesMetric, charts, strict=True))
    # client lines underneath, wider and lighter, so the server's stay visible where they agree
    for series in sorted(report.series, key=lambda s: PLACE_ORDER.get(s.place, 1)):
        chart = by_metric[series.metric]
        colour = PLACE_COLOURS.get(series.place, "#475569")
        dash, width = STAT_STYLE.get(series.stat or "", ("", 1.8))
        points = _shift(series, origin, scales[series.metric])
        if series.place == "client":
            chart.lines.append(Line(series.label, points, colour, dash, width + 1.2, 0.55))
        else:
            chart.lines.append(Line(series.label, points, colour, dash, width))
    for metric, chart in by_metric.items():
        chart.wall_start, chart.x_label = origin, x_label
        chart.bands = bands
        chart.marks = marks
        chart.rules = [
            Rule(label, value, RULE_COLOURS[index % len(RULE_COLOURS)])
            for index, (label, value) in enumerate(thresholds[metric])
        ]
    return charts


def rendered_charts(report: RunReport) -> list[tuple[Chart, Markup]]:
    """Each chart with its SVG markup."""
    return [(chart, render(chart)) for chart in build_charts(report)]

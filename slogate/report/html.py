"""report.html: one self-contained file (inline CSS and SVG, no script, no external resource)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from slogate.report.charts import rendered_charts
from slogate.report.evidence import describe
from slogate.report.headline import TONE, counts_line, edge_line, outcome
from slogate.report.latency import HEADER, INTRO, latency_cells
from slogate.report.model import RunReport, RunStatus
from slogate.slo.stats import Verdict


def _percent(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value * 100:.{digits}g} %"


def _number(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:,.3g}"


def _seconds(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value * 1000:,.0f} ms" if value < 1 else f"{value:,.2f} s"


def _utc(ts: float | None) -> str:
    if ts is None:
        return "–"
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def template_environment() -> Environment:
    """The report templates (report.html, capacity.html) with their filters."""
    env = Environment(
        loader=PackageLoader("slogate.report", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(percent=_percent, number=_number, seconds=_seconds, utc=_utc)
    return env


def to_html(report: RunReport) -> str:
    """The whole report page."""
    template = template_environment().get_template("report.html.j2")
    span = max(report.duration_s, 1e-9)
    timeline = [
        {
            "name": phase.name,
            "left": (phase.start - report.started_at) / span * 100,
            "width": ((phase.end or report.ended_at) - phase.start) / span * 100,
            "seconds": (phase.end or report.ended_at) - phase.start,
            "unfinished": phase.end is None,
        }
        for phase in report.timeline
    ]
    attention = [
        (phase, result)
        for phase, result in report.phase_results()
        if result.gating and result.verdict is not Verdict.PASS
    ]
    retried = {
        c.phase: c.errors_edge_retried for c in report.client_server if c.errors_edge_retried
    }
    return template.render(
        report=report,
        retried=retried,
        outcome=outcome(report),
        tone=TONE[report.exit_code],
        counts=counts_line(report),
        edge=edge_line(report),
        partial=report.status is RunStatus.PARTIAL,
        attention=attention,
        charts=rendered_charts(report),
        timeline=timeline,
        describe=describe,
        latency_header=HEADER,
        latency_intro=INTRO,
        latency_rows=[latency_cells(row) for row in report.client_latency],
        config_json=json.dumps(report.config, indent=2, sort_keys=True, default=str),
        Verdict=Verdict,
    )

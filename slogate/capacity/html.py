"""capacity.html: the search on one self-contained page (inline CSS and SVG, no script).

The rate-vs-p95/p99 and rate-vs-errors curves (one point per rate tried; a rate tried twice
shows its last step) with the capacity and the first broken rate marked, the outcome, which
objectives broke first, and every step's verdicts in the order they ran.
"""

from __future__ import annotations

from markupsafe import Markup

from slogate.capacity.search import Conclusion, Outcome
from slogate.capacity.step import StepRecord
from slogate.report.headline import OUTCOME, TONE
from slogate.report.html import template_environment
from slogate.report.svg import Chart, Line, Mark, render

RATE_AXIS = "offered rate (req/s)"


def _by_rate(records: list[StepRecord]) -> list[StepRecord]:
    """The last step at each rate, by rate."""
    last = {record.rate: record for record in records}
    return [last[rate] for rate in sorted(last)]


def first_broken(records: list[StepRecord]) -> float | None:
    return min((r.rate for r in records if r.outcome is Outcome.BROKE), default=None)


def _marks(records: list[StepRecord], found: Conclusion | None) -> list[Mark]:
    marks = []
    if found is not None and found.capacity is not None:
        prefix = "capacity ≥ " if found.at_least else "capacity "
        marks.append(Mark(found.capacity, f"{prefix}{found.capacity:g}"))
    broken = first_broken(records)
    if broken is not None:
        marks.append(Mark(broken, f"broke at {broken:g}"))
    return marks


def curves(records: list[StepRecord], found: Conclusion | None) -> list[Chart]:
    """Latency (p95, p99 from intended start, at the client) and error ratio by offered rate."""
    points = _by_rate(records)
    end = max((r.rate for r in points), default=1.0) * 1.05
    marks = _marks(records, found)
    latency = Chart(
        "p95 and p99 from intended start (client) by offered rate", "capacity_latency",
        "milliseconds", 0.0, end, x_label=RATE_AXIS, marks=marks,
        lines=[
            Line("p95", [(r.rate, r.p95_ms) for r in points], "#1d4ed8"),
            Line("p99", [(r.rate, r.p99_ms) for r in points], "#7c3aed", dash="6 3"),
        ],
    )  # fmt: skip
    errors = Chart(
        "error ratio (client) by offered rate", "capacity_errors", "errors (%)", 0.0, end,
        x_label=RATE_AXIS, marks=marks, y_format=lambda v: f"{v:g} %",
        lines=[Line("errors", [(r.rate, _percent(r.error_ratio)) for r in points], "#b91c1c")],
    )  # fmt: skip
    return [latency, errors]


def _percent(ratio: float | None) -> float | None:
    return None if ratio is None else ratio * 100


def to_html(
    records: list[StepRecord], found: Conclusion | None, required: float, title: str
) -> str:
    charts: list[tuple[Chart, Markup]] = [(c, render(c)) for c in curves(records, found)]
    template = template_environment().get_template("capacity.html.j2")
    return template.render(
        title=title,
        records=records,
        found=found,
        required=required,
        outcome=OUTCOME[found.exit_code] if found else "PARTIAL: the search did not finish",
        tone=TONE[found.exit_code] if found else "inconclusive",
        broken=first_broken(records),
        charts=charts,
    )

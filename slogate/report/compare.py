"""What got better or worse between two runs, per phase, objective and place.

Metrics compared: the observed bad share, its 95 % upper bound, p50/p95/p99 and throughput.
Thresholds (`--threshold "p95 +10%"`) turn a change into a regression:

    METRIC SIGN AMOUNT UNIT
    p50 | p95 | p99            + N%  or  + N ms / + N s     (higher is worse)
    bad_share | upper_bound    + N%  or  + N pp             (percentage points)
    throughput                 - N%  or  - N rps            (lower is worse)
    verdict                                                  any verdict that got worse

A relative threshold on a metric that was 0 and grew counts as a regression.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from pydantic import BaseModel, Field

from slogate.errors import UsageError
from slogate.report.model import RunReport
from slogate.slo.evaluate import ObjectiveResult, Window
from slogate.slo.stats import Verdict

# metric -> +1 when higher is worse, -1 when lower is worse
DIRECTION = {
    "bad_share": 1,
    "upper_bound": 1,
    "p50": 1,
    "p95": 1,
    "p99": 1,
    "throughput": -1,
}
UNITS = {
    "bad_share": {"pp": 0.01},
    "upper_bound": {"pp": 0.01},
    "p50": {"ms": 0.001, "s": 1.0},
    "p95": {"ms": 0.001, "s": 1.0},
    "p99": {"ms": 0.001, "s": 1.0},
    "throughput": {"rps": 1.0},
}
VERDICT_RANK = {Verdict.PASS: 0, Verdict.INCONCLUSIVE: 1, Verdict.FAIL: 2}
_THRESHOLD = re.compile(r"^\s*([a-z_0-9]+)\s*(?:([+-])\s*(\d+(?:\.\d+)?)\s*(%|[a-z]+)?)?\s*$")


@dataclass(frozen=True)
class Threshold:
    text: str
    metric: str
    amount: float = 0.0
    relative: bool = False

    def exceeded(self, before: float | None, after: float | None) -> bool:
        """Did the metric move the bad way by more than the threshold?"""
        if before is None or after is None:
            return False
        worse_by = (after - before) * DIRECTION[self.metric]
        if worse_by <= 0:
            return False
        if not self.relative:
            return worse_by > self.amount
        if before == 0:
            return True
        return worse_by / abs(before) > self.amount


def parse_threshold(text: str) -> Threshold:
    """A Threshold from `p95 +10%`; UsageError naming the text and the expected form."""
    form = (
        "expected METRIC SIGN AMOUNT UNIT, e.g. 'p95 +10%', 'p99 +50ms', 'bad_share +0.05pp', "
        "'throughput -5%', or 'verdict'"
    )
    match = _THRESHOLD.match(text.lower())
    if not match:
        raise UsageError(f"--threshold {text!r}: {form}")
    metric, sign, amount, unit = match.groups()
    if metric == "verdict" and sign is None:
        return Threshold(text=text, metric="verdict")
    if metric not in DIRECTION:
        known = ", ".join([*DIRECTION, "verdict"])
        raise UsageError(f"--threshold {text!r}: unknown metric {metric!r} (one of {known})")
    if sign is None or amount is None or unit is None:
        raise UsageError(f"--threshold {text!r}: {form}")
    if (1 if sign == "+" else -1) != DIRECTION[metric]:
        worse = "an increase" if DIRECTION[metric] > 0 else "a decrease"
        right = "+" if DIRECTION[metric] > 0 else "-"
        raise UsageError(
            f"--threshold {text!r}: for {metric} {worse} is the regression; "
            f"write '{metric} {right}{amount}{unit or ''}'"
        )
    if unit == "%":
        return Threshold(text=text, metric=metric, amount=float(amount) / 100, relative=True)
    scale = UNITS[metric].get(unit)
    if scale is None:
        units = ", ".join(["%", *UNITS[metric]])
        raise UsageError(f"--threshold {text!r}: unit {unit!r} for {metric} (one of {units})")
    return Threshold(text=text, metric=metric, amount=float(amount) * scale)


def metrics_of(result: ObjectiveResult, window: Window) -> dict[str, float | None]:
    """The comparable figures of one result (None where the evidence has none)."""
    evidence = result.evidence
    figures: dict[str, float | None] = {
        "bad_share": evidence.observed_bad_share,
        "upper_bound": evidence.upper_bound,
    }
    for stat in ("p50", "p95", "p99"):
        quantile = evidence.quantiles.get(stat)
        figures[stat] = None if quantile is None else quantile.estimate
    if evidence.rate_rps is not None:
        figures["throughput"] = evidence.rate_rps
    elif evidence.total is not None and window.seconds > 0:
        figures["throughput"] = evidence.total / window.seconds
    else:
        figures["throughput"] = None
    return figures


class MetricChange(BaseModel):
    metric: str
    before: float | None
    after: float | None

    @property
    def direction(self) -> str:
        """better | worse | same | n/a."""
        if self.before is None or self.after is None:
            return "n/a"
        if math.isclose(self.before, self.after, rel_tol=1e-9, abs_tol=1e-12):
            return "same"
        return "worse" if (self.after - self.before) * DIRECTION[self.metric] > 0 else "better"


class RowComparison(BaseModel):
    phase: str
    objective: str
    place: str
    verdict_before: Verdict
    verdict_after: Verdict
    changes: list[MetricChange] = Field(default_factory=list)
    regressions: list[str] = Field(default_factory=list)

    def change(self, metric: str) -> MetricChange:
        return next(c for c in self.changes if c.metric == metric)


class Comparison(BaseModel):
    run_a: str
    run_b: str
    rows: list[RowComparison]
    only_in_a: list[str] = Field(default_factory=list)
    only_in_b: list[str] = Field(default_factory=list)
    thresholds: list[str] = Field(default_factory=list)

    @property
    def regressions(self) -> list[str]:
        return [
            f"{row.phase} {row.objective} @ {row.place}: {regression}"
            for row in self.rows
            for regression in row.regressions
        ]


Key = tuple[str, str, str]


def _index(report: RunReport) -> dict[Key, tuple[ObjectiveResult, Window]]:
    return {
        (phase.phase, result.objective, result.place): (result, phase.window)
        for phase in report.phases
        for result in phase.results
    }


def compare_reports(a: RunReport, b: RunReport, thresholds: list[Threshold]) -> Comparison:
    """Run B against run A (the baseline)."""
    before, after = _index(a), _index(b)
    rows = []
    for key, (result_a, window_a) in before.items():
        if key not in after:
            continue
        result_b, window_b = after[key]
        figures_a, figures_b = metrics_of(result_a, window_a), metrics_of(result_b, window_b)
        row = RowComparison(
            phase=key[0],
            objective=key[1],
            place=key[2],
            verdict_before=result_a.verdict,
            verdict_after=result_b.verdict,
            changes=[
                MetricChange(metric=metric, before=figures_a[metric], after=figures_b[metric])
                for metric in DIRECTION
            ],
        )
        for threshold in thresholds:
            if threshold.metric == "verdict":
                if VERDICT_RANK[result_b.verdict] > VERDICT_RANK[result_a.verdict]:
                    row.regressions.append(
                        f"verdict {result_a.verdict.value} -> {result_b.verdict.value}"
                    )
            elif threshold.exceeded(figures_a[threshold.metric], figures_b[threshold.metric]):
                change = row.change(threshold.metric)
                row.regressions.append(
                    f"{threshold.metric} {_figure(threshold.metric, change.before)} -> "
                    f"{_figure(threshold.metric, change.after)} (threshold {threshold.text})"
                )
        rows.append(row)
    return Comparison(
        run_a=a.run_id,
        run_b=b.run_id,
        rows=rows,
        only_in_a=[" ".join(k) for k in before if k not in after],
        only_in_b=[" ".join(k) for k in after if k not in before],
        thresholds=[t.text for t in thresholds],
    )


def _figure(metric: str, value: float | None) -> str:
    """A metric's value for people: shares in %, latencies in ms, throughput in req/s."""
    if value is None:
        return "–"
    if metric in ("bad_share", "upper_bound"):
        return f"{value:.4%}"
    if metric == "throughput":
        return f"{value:,.1f} req/s"
    return f"{value * 1000:,.1f} ms"


def _short(metric: str, value: float) -> str:
    if metric in ("bad_share", "upper_bound"):
        return f"{value:.3%}"
    if metric == "throughput":
        return f"{value:,.0f}"
    return f"{value * 1000:,.0f}"


def short_change(change: MetricChange) -> str:
    """Compact for tables: `24→384 ms +1500%`, `= 24 ms` when unchanged."""
    unit = " ms" if change.metric in ("p50", "p95", "p99") else ""
    if change.before is None and change.after is None:
        return "–"
    if change.before is None or change.after is None:
        before = "–" if change.before is None else _short(change.metric, change.before)
        after = "–" if change.after is None else _short(change.metric, change.after)
        return f"{before}→{after}{unit}"
    if change.direction == "same":
        return f"= {_short(change.metric, change.after)}{unit}"
    text = f"{_short(change.metric, change.before)}→{_short(change.metric, change.after)}{unit}"
    if change.before:
        text += f" {(change.after - change.before) / abs(change.before):+.0%}"
    return text

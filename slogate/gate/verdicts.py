"""Judging a run: each phase's objectives, client vs server counts, time to recover.

Client vs server: outside fault windows both count the same requests, so their totals must
agree within the gate's tolerance (plus two scrape intervals of traffic, because each side is
scraped at its own moment); a larger gap is a harness problem and makes the run INCONCLUSIVE.
Inside fault windows a gap is expected and is reported as the errors the server never saw.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from slogate.gate.plan import GatePlan
from slogate.gate.windows import PhaseWindow
from slogate.report.model import CountComparison, PhaseResults, Recovery
from slogate.slo import promql
from slogate.slo.counting import count_counters
from slogate.slo.evaluate import Evaluator, Window, evaluate_spec
from slogate.slo.prometheus import PrometheusClient
from slogate.slo.spec import Place, SLOSpec
from slogate.slo.stats import Verdict

RECOVERY_STEP_S = 1.0
MAX_RECOVERY_CANDIDATES = 120
LIKELY_CAUSES = (
    "client metrics not scraped (client_metrics_port taken or scrape failing)",
    "another client sending requests to the same stack",
    "the load generator saturated or its metrics lingering too briefly",
    "requests sent somewhere other than the stack's edge",
)


@dataclass
class Judgement:
    phases: list[PhaseResults] = field(default_factory=list)
    client_server: list[CountComparison] = field(default_factory=list)
    recoveries: list[Recovery] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    harness_problem: bool = False


def _sub_spec(spec: SLOSpec, names: tuple[str, ...]) -> SLOSpec:
    chosen = [o for o in spec.spec.objectives if o.name in names]
    return spec.model_copy(update={"spec": spec.spec.model_copy(update={"objectives": chosen})})


def evaluate_phases(
    plan: GatePlan, client: PrometheusClient, windows: list[PhaseWindow], scrape_s: float
) -> list[PhaseResults]:
    """Every phase's objectives at every place they are measured."""
    offered = plan.profile.peak_rate
    phases = []
    for phase in windows:
        if not phase.objectives:
            continue
        results = evaluate_spec(
            _sub_spec(plan.spec, phase.objectives), client, phase.window, scrape_s, offered
        )
        phases.append(PhaseResults(phase=phase.label, window=phase.window, results=results))
    return phases


def _count(client: PrometheusClient, series: str, window: Window) -> int | None:
    try:
        count = count_counters(client, series, window.start, window.end)
    except Exception:
        return None
    if not count.present or count.nan:
        return None
    return round(count.total)


def compare_client_server(
    client: PrometheusClient,
    windows: list[PhaseWindow],
    tolerance: float,
    rate: float,
    scrape_s: float,
) -> tuple[list[CountComparison], list[str], bool]:
    """Client, server and edge counts per window; notes and whether the harness is suspect."""
    comparisons, notes, suspect = [], [], False
    for phase in windows:
        if phase.window.seconds <= 0:
            continue
        counts: dict[str, int | None] = {}
        for place in (Place.CLIENT, Place.SERVER, Place.EDGE):
            matcher = promql.DEFAULT_PLACE_MATCHERS[place]
            counts[f"{place.value}_total"] = _count(
                client, promql.requests_selector(place, matcher), phase.window
            )
            errors = _count(client, promql.errors_selector(place, matcher), phase.window)
            if errors is None and counts[f"{place.value}_total"] is not None:
                errors = 0  # an absent error series beside a present total: no errors
            counts[f"{place.value}_errors"] = errors
        largest = max(counts["client_total"] or 0, counts["server_total"] or 0)
        slack = (2 * scrape_s * rate / largest) if largest else 0.0
        comparison = CountComparison(
            phase=phase.label, window=phase.window, in_fault=phase.in_fault,
            tolerance=round(tolerance + slack, 6), **counts,
        )  # fmt: skip
        comparisons.append(comparison)
        if phase.in_fault:
            unseen = comparison.errors_server_never_saw
            if unseen:
                notes.append(f"{phase.label}: {unseen} client errors the server never saw")
        elif comparison.agrees is False:
            suspect = True
            difference = comparison.total_difference or 0.0
            notes.append(
                f"harness problem in {phase.label}: client counted {comparison.client_total}, "
                f"server {comparison.server_total} requests ({difference:.1%} apart, tolerance "
                f"{comparison.tolerance:.1%}); likely causes: " + "; ".join(LIKELY_CAUSES)
            )
    return comparisons, notes, suspect


def _within(evaluator: Evaluator, spec: SLOSpec, name: str, place: Place) -> bool | None:
    objective = next(o for o in spec.spec.objectives if o.name == name)
    result = evaluator.evaluate_one(spec, objective, place)
    evidence = result.evidence
    if evidence.total is None or evidence.observed_bad_share is None:
        return None
    return bool(
        evidence.total > 0 and evidence.observed_bad_share <= (evidence.allowed_bad_share or 0)
    )


def time_to_recover(
    plan: GatePlan,
    client: PrometheusClient,
    windows: list[PhaseWindow],
    run_end: float,
    scrape_s: float,
) -> list[Recovery]:
    """After each fault: the first sustained window where the SLI is back within objective."""
    setting = plan.gate.time_to_recover
    if setting is None:
        return []
    place = Place(setting.place)
    recoveries = []
    for phase in (w for w in windows if w.in_fault):
        ended = phase.window.end
        recovery = Recovery(
            fault_id=phase.label, kind=phase.experiment or "fault", objective=setting.objective,
            place=place.value, fault_ended=ended, recovered_at=None,
            sustained_s=setting.sustained_s,
        )  # fmt: skip
        start = ended
        for _ in range(MAX_RECOVERY_CANDIDATES):
            if start + setting.sustained_s > run_end:
                break
            window = Window(start=start, end=start + setting.sustained_s)
            evaluator = Evaluator(client=client, window=window, scrape_interval_s=scrape_s)
            if _within(evaluator, plan.spec, setting.objective, place):
                recovery.recovered_at = start
                break
            start += RECOVERY_STEP_S
        _judge_recovery(recovery, setting.within_s, run_end)
        recoveries.append(recovery)
    return recoveries


def _judge_recovery(recovery: Recovery, within_s: float | None, run_end: float) -> None:
    seconds = recovery.seconds
    sustained = recovery.sustained_s
    if seconds is not None:
        recovery.reason = (
            f"back within {recovery.objective} {seconds:.0f} s after the fault ended "
            f"(sustained {sustained:g} s)"
        )
    else:
        recovery.reason = (
            f"not back within {recovery.objective} over a sustained {sustained:g} s "
            "before the load ended"
        )
    if within_s is None:
        return
    recovery.reason += f"; objective: within {within_s:g} s"
    if seconds is not None:
        recovery.verdict = Verdict.PASS if seconds <= within_s else Verdict.FAIL
    elif (
        recovery.fault_ended is not None and run_end - recovery.fault_ended >= within_s + sustained
    ):
        recovery.verdict = Verdict.FAIL
    else:
        recovery.verdict = Verdict.INCONCLUSIVE
        recovery.reason += " (the load ended too soon after the fault to tell)"

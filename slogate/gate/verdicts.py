"""Judging a run: each phase's objectives, client vs server counts, time to recover.

What the edge absorbed (objectives with sli edge_absorbed) is reported in every phase of every
gate: judged where the gate names it, elsewhere added as not gating ("reported"), since a
SIGKILL necessarily cuts requests and pod-kill cannot require zero.

Client vs server: outside fault windows both count the same requests, so their totals must
agree within the gate's tolerance (plus two scrape intervals of traffic, because each side is
scraped at its own moment); a larger gap is a harness problem and makes the run INCONCLUSIVE.
Inside fault windows a gap is expected and is reported as the errors the server never saw.
When the client and the edge saw far fewer errors than the server, the edge retried them on
another replica; the report says so beside the counts (report/model.py, CountComparison).
"""

from __future__ import annotations

from collections.abc import Callable

from slogate.gate.measurable import NOT_MEASURABLE, Unmeasured, in_spec_order, split_places
from slogate.gate.phases import PhaseWindow
from slogate.gate.place_counts import count_places
from slogate.gate.plan import GatePlan
from slogate.report.model import CountComparison, PhaseResults, Recovery
from slogate.slo.evaluate import Evaluator, Window, evaluate_spec
from slogate.slo.prometheus import PrometheusClient
from slogate.slo.service_metrics import DEFAULT_METRICS, ServiceMetrics
from slogate.slo.spec import BuiltinSLI, Place, SLOSpec
from slogate.slo.stats import Verdict

RECOVERY_STEP_S = 1.0
MAX_RECOVERY_CANDIDATES = 120
LIKELY_CAUSES = (
    "client metrics not scraped (client_metrics_port taken or scrape failing)",
    "another client sending requests to the same stack",
    "the load generator saturated or its metrics lingering too briefly",
    "requests sent somewhere other than the stack's edge",
)


REPORTED = "reported, not judged in this phase"


def reported_objectives(spec: SLOSpec, judged: tuple[str, ...]) -> tuple[str, ...]:
    """The edge_absorbed objectives a phase reports without judging them."""
    return tuple(
        o.name
        for o in spec.spec.objectives
        if o.sli == BuiltinSLI.EDGE_ABSORBED and o.name not in judged
    )


def evaluate_phases(
    plan: GatePlan,
    client: PrometheusClient,
    windows: list[PhaseWindow],
    scrape_s: float,
    load_window: Window | None = None,
    unmeasured: Unmeasured | None = None,
) -> list[PhaseResults]:
    """Every phase's objectives at every place they are measured, and what it reports;
    throughput only over the part of a phase inside `load_window` (the load's requests, not
    its metrics' linger). At a place in `unmeasured` (the platform has no such SLI) each is
    reported as not measurable (gate/measurable.py)."""
    offered = plan.profile.peak_rate
    phases = []
    for phase in windows:
        reported = reported_objectives(plan.spec, phase.objectives)
        if not phase.objectives and (not reported or phase.window.seconds <= 0):
            continue
        names = phase.objectives + reported
        chosen = plan.spec.only(lambda o: o.name in names)  # noqa: B023 (called here, at once)
        measurable, missing = split_places(chosen, unmeasured or {})
        results = [
            r.model_copy(update={"gating": False, "reason": f"{REPORTED}: {r.reason}"})
            if r.objective in reported
            else r
            for r in evaluate_spec(measurable, client, phase.window, scrape_s, offered, load_window)
        ]
        results = in_spec_order(chosen, results + missing)
        phases.append(PhaseResults(phase=phase.label, window=phase.window, results=results))
    return phases


def compare_counts(
    phase: PhaseWindow,
    counts: dict[str, int | None],
    tolerance: float,
    rate: float,
    scrape_s: float,
    not_compared: str | None = None,
) -> tuple[CountComparison, str | None, bool]:
    """One window's comparison, its note (if any) and whether it makes the harness suspect;
    `not_compared` says why the client and server totals cannot be compared."""
    largest = max(counts["client_total"] or 0, counts["server_total"] or 0)
    slack = (2 * scrape_s * rate / largest) if largest else 0.0
    comparison = CountComparison(
        phase=phase.label, window=phase.window, in_fault=phase.in_fault,
        tolerance=round(tolerance + slack, 6), outside_traffic_tolerance=tolerance,
        scrape_tolerance=round(slack, 6), not_compared=not_compared, **counts,
    )  # fmt: skip
    if not_compared is not None:
        return comparison, None, False  # the comparison's remark says why
    if phase.in_fault:
        remark = comparison.remark()  # errors the edge retried, errors the server never saw
        return comparison, f"{phase.label}: {remark}" if remark else None, False
    if comparison.agrees is False:
        difference = comparison.total_difference or 0.0
        note = (
            f"harness problem in {phase.label}: client counted {comparison.client_total}, "
            f"server {comparison.server_total} requests ({difference:.1%} apart, tolerance "
            f"{comparison.tolerance:.1%}: {comparison.tolerance_basis()}); likely causes: "
            + "; ".join(LIKELY_CAUSES)
        )
        return comparison, note, True
    retried = comparison.errors_edge_retried
    return comparison, f"{phase.label}: {comparison.remark()}" if retried else None, False


def compare_client_server(
    client: PrometheusClient,
    windows: list[PhaseWindow],
    tolerance: float,
    rate: float,
    scrape_s: float,
    metrics: ServiceMetrics = DEFAULT_METRICS,
) -> tuple[list[CountComparison], list[str], bool]:
    """Client, server and edge counts per window; notes and whether the harness is suspect."""
    comparisons, notes, suspect = [], [], False
    for phase in windows:
        if phase.window.seconds <= 0:
            continue
        found = count_places(client, phase.window, metrics)
        comparison, note, harness = compare_counts(
            phase, found.counts, tolerance, rate, scrape_s, found.why_not_compared()
        )
        comparisons.append(comparison)
        notes += [note] if note else []
        suspect = suspect or harness
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


def first_recovery(
    fault_ended: float,
    sustained_s: float,
    run_end: float,
    within: Callable[[Window], bool | None],
) -> float | None:
    """The start of the first window of `sustained_s` (stepping 1 s from the fault's end)
    over which the SLI is `within` its objective; None when none before the load ended."""
    start = fault_ended
    for _ in range(MAX_RECOVERY_CANDIDATES):
        if start + sustained_s > run_end:
            return None
        if within(Window(start=start, end=start + sustained_s)):
            return start
        start += RECOVERY_STEP_S
    return None


def time_to_recover(
    plan: GatePlan,
    client: PrometheusClient,
    windows: list[PhaseWindow],
    run_end: float,
    scrape_s: float,
    unmeasured: Unmeasured | None = None,
) -> list[Recovery]:
    """After each fault: the first sustained window where the SLI is back within objective
    (not judged, and said so, when the platform cannot measure its place)."""
    setting = plan.gate.time_to_recover
    if setting is None:
        return []
    place = Place(setting.place)
    why = (unmeasured or {}).get(place.value)

    def within(window: Window) -> bool | None:
        evaluator = Evaluator(client=client, window=window, scrape_interval_s=scrape_s)
        return _within(evaluator, plan.spec, setting.objective, place)

    recoveries = []
    for phase in (w for w in windows if w.in_fault):
        ended = phase.window.end if phase.faults_over is None else phase.faults_over
        recovery = Recovery(
            fault_id=phase.label, kind=phase.experiment or "fault", objective=setting.objective,
            place=place.value, fault_ended=ended, sustained_s=setting.sustained_s,
            recovered_at=None,
        )  # fmt: skip
        if why is not None:
            recovery.reason = f"{NOT_MEASURABLE} on this platform: {why}"
        else:
            recovery.recovered_at = first_recovery(ended, setting.sustained_s, run_end, within)
            judge_recovery(recovery, setting.within_s, run_end)
        recoveries.append(recovery)
    return recoveries


def judge_recovery(recovery: Recovery, within_s: float | None, run_end: float) -> None:
    """The recovery's reason and (with an objective `within_s`) its verdict."""
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

"""Named run-report scenarios for the report tests (realistic shapes, deterministic noise).

Verdicts are computed from the counts with slogate's own statistics (Clopper–Pearson), and the
evidence carries the PromQL slogate's builders produce, so the reports look like real runs:

    passing_smoke         30 s of load, no chaos, every objective PASS
    passing_pod_kill      a replica killed mid-run: client-only errors, recovery in 2.4 s
    failing_regression    a 300 ms latency regression: latency FAIL in the fault phase
    partial_interrupted   Ctrl-C during the fault phase: partial, exit 130
    inconclusive          too few requests and a missing client series: INCONCLUSIVE, exit 3
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from slogate.chaos.ledger import FaultEvent
from slogate.errors import ExitCode, combine_exit_codes
from slogate.report.journal import brief_journal
from slogate.report.model import (
    CountComparison,
    Environment,
    FaultWindow,
    PhaseResults,
    PhaseSpan,
    Recovery,
    RunReport,
    RunStatus,
    SeriesMetric,
    TimeSeries,
)
from slogate.slo import promql
from slogate.slo.evaluate import Evidence, ObjectiveResult, QuantileEvidence, Window
from slogate.slo.spec import Place, validate_spec
from slogate.slo.stats import Verdict, lower_bound, share_verdict, upper_bound

START = 1_795_875_303.0  # 2026-11-28T14:15:03Z
SLO = validate_spec(
    {
        "apiVersion": "slogate.dev/v1",
        "kind": "SLO",
        "metadata": {"name": "target-service"},
        "spec": {
            "service": "target_service",
            "objectives": [
                {
                    "name": "availability",
                    "sli": "availability",
                    "target": 0.999,
                    "measured_at": ["server", "client", "edge"],
                },
                {
                    "name": "p95-under-500ms",
                    "sli": "latency",
                    "threshold": 0.5,
                    "target": 0.95,
                    "measured_at": ["server", "client"],
                },
                {
                    "name": "p99-under-1s",
                    "sli": "latency",
                    "threshold": 1.0,
                    "target": 0.99,
                    "measured_at": ["server", "client"],
                },
            ],
        },
    },
    "slo/target-service.yaml",
)
ENVIRONMENT = Environment(
    python="3.11.2",
    slogate="0.1.0",
    platform="Linux 6.1.0 x86_64 (cpython)",
    host_cores=2,
    tools={"prometheus": "2.42.0", "haproxy": "2.6.12", "redis-server": "7.0.15"},
)


def availability(
    place: str,
    bad: int,
    total: int,
    window_s: float,
    name: str = "availability",
    allowed: float = 0.001,
) -> ObjectiveResult:
    matcher = promql.DEFAULT_PLACE_MATCHERS[Place(place)]
    selector = promql.requests_selector(Place(place), matcher)
    return _share(name, "availability", place, bad, total, allowed, "errors", selector, window_s)


def latency(
    name: str,
    place: str,
    threshold: float,
    target: float,
    bad: int,
    total: int,
    quantiles: dict[str, float],
    window_s: float,
) -> ObjectiveResult:
    selector = promql.latency_buckets_selector(
        Place(place), promql.DEFAULT_PLACE_MATCHERS[Place(place)], "intended"
    )
    result = _share(
        name,
        "latency",
        place,
        bad,
        total,
        1 - target,
        f"slower than {threshold:g} s",
        selector,
        window_s,
    )
    result.evidence.threshold = threshold
    buckets = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
    for stat, estimate in quantiles.items():
        upper = next(b for b in buckets if b >= estimate)
        lower = max([0.0, *[b for b in buckets if b < upper]])
        result.evidence.quantiles[stat] = QuantileEvidence(
            lower=lower, upper=upper, estimate=estimate
        )
    return result


def _share(
    name: str,
    sli: str,
    place: str,
    bad: int,
    total: int,
    allowed: float,
    what: str,
    selector: str,
    window_s: float,
) -> ObjectiveResult:
    queries = [
        promql.start_values_query(selector),
        promql.end_values_query(selector, window_s),
        promql.resets_query(selector, window_s),
        promql.nan_check_query(selector, window_s),
    ]
    evidence = Evidence(total=total, bad=bad, allowed_bad_share=allowed, queries=queries)
    if total == 0:
        return ObjectiveResult(
            objective=name,
            sli=sli,
            place=place,
            gating=True,
            verdict=Verdict.INCONCLUSIVE,
            reason="no requests in the window",
            evidence=evidence,
        )
    evidence.observed_bad_share = bad / total
    evidence.upper_bound = upper_bound(bad, total)
    evidence.lower_bound = lower_bound(bad, total)
    verdict = share_verdict(bad, total, allowed)
    reason = (
        f"{bad:,} {what} of {total:,} ({bad / total:.4%}); 95 % bound "
        f"[{evidence.lower_bound:.4%}, {evidence.upper_bound:.4%}] vs allowed {allowed:.4%}"
    )
    if verdict is Verdict.INCONCLUSIVE:
        reason = "too few requests or bound straddles the objective; " + reason
    return ObjectiveResult(
        objective=name,
        sli=sli,
        place=place,
        gating=True,
        verdict=verdict,
        reason=reason,
        evidence=evidence,
    )


def no_data(name: str, sli: str, place: str) -> ObjectiveResult:
    selector = promql.requests_selector(Place(place), promql.DEFAULT_PLACE_MATCHERS[Place(place)])
    return ObjectiveResult(
        objective=name,
        sli=sli,
        place=place,
        gating=True,
        verdict=Verdict.INCONCLUSIVE,
        reason=f"no data: no series matches {selector} in the window",
        evidence=Evidence(queries=[promql.start_values_query(selector)]),
    )


def _phase_results(
    phase: str,
    window: Window,
    rps: float,
    client_errors: int,
    server_errors: int,
    p95: float,
    p99: float,
    slow_share: float = 0.0,
) -> PhaseResults:
    total = round(rps * window.seconds)
    quantiles = {"p50": p95 / 3, "p95": p95, "p99": p99}
    slow = round(total * slow_share)
    # during a fault the gate checks a looser error share (99 %)
    name, allowed = ("errors-under-1pct", 0.01) if phase == "fault" else ("availability", 0.001)
    served = total - client_errors + server_errors
    results = [
        availability("server", server_errors, served, window.seconds, name, allowed),
        availability("client", client_errors, total, window.seconds, name, allowed),
        availability("edge", server_errors, served, window.seconds, name, allowed),
    ]
    for place in ("server", "client"):
        results.append(
            latency("p95-under-500ms", place, 0.5, 0.95, slow, total, quantiles, window.seconds)
        )
        results.append(
            latency(
                "p99-under-1s",
                place,
                1.0,
                0.99,
                round(slow * 0.2),
                total,
                quantiles,
                window.seconds,
            )
        )
    return PhaseResults(phase=phase, window=window, results=results)


def _series(
    seconds: float,
    rps: float,
    fault: tuple[float, float] | None,
    *,
    fault_errors: float = 0.0,
    fault_latency: float = 0.0,
    seed: int = 7,
    stop_at: float | None = None,
) -> list[TimeSeries]:
    rng = random.Random(seed)
    series = {
        (metric, place, stat): TimeSeries(
            metric=metric, place=place, stat=stat, query=f"{metric} ({place} {stat or ''})"
        )
        for place in ("server", "client")
        for metric, stat in [
            (SeriesMetric.REQUEST_RATE, None),
            (SeriesMetric.ERROR_RATIO, None),
            (SeriesMetric.LATENCY, "p50"),
            (SeriesMetric.LATENCY, "p95"),
            (SeriesMetric.LATENCY, "p99"),
        ]
    }
    end = seconds if stop_at is None else stop_at
    for step in range(int(end) + 1):
        t = START + step
        in_fault = fault is not None and fault[0] <= step < fault[1]
        ramp = min(1.0, step / 5)
        rate = rps * ramp * (1 + rng.gauss(0, 0.03))
        errors = fault_errors * (0.5 + rng.random()) if in_fault else 0.0
        extra = fault_latency if in_fault else 0.0
        base = 0.008 * (1 + rng.gauss(0, 0.1))
        for place in ("server", "client"):
            client = place == "client"
            values = {
                (SeriesMetric.REQUEST_RATE, None): rate * (1.0 if client else 1 - errors),
                (SeriesMetric.ERROR_RATIO, None): errors if client else errors * 0.05,
                (SeriesMetric.LATENCY, "p50"): base + extra + (0.0015 if client else 0),
                (SeriesMetric.LATENCY, "p95"): base * 3 + extra * 1.2 + (0.002 if client else 0),
                (SeriesMetric.LATENCY, "p99"): base * 5.5 + extra * 1.5 + (0.004 if client else 0),
            }
            for (metric, stat), value in values.items():
                point = None if step < 2 and metric is SeriesMetric.LATENCY else value
                series[(metric, place, stat)].points.append((t, point))
    return list(series.values())


JOURNAL = {
    "experiment": {"title": "A replica is killed under load and the service keeps its SLO"},
    "status": "completed",
    "deviated": False,
    "steady_states": {"before": {"steady_state_met": True}, "after": {"steady_state_met": True}},
    "run": [
        {
            "activity": {"name": "kill-one-replica", "type": "action"},
            "status": "succeeded",
            "start": "2026-11-28T14:15:23.100000",
            "end": "2026-11-28T14:15:23.180000",
        },
        {
            "activity": {"name": "replicas-back", "type": "probe"},
            "status": "succeeded",
            "start": "2026-11-28T14:15:23.200000",
            "end": "2026-11-28T14:15:26.900000",
        },
    ],
    "rollbacks": [],
}


def _report(
    gate: str,
    seconds: float,
    phases: list[PhaseResults],
    timeline: list[PhaseSpan],
    series: list[TimeSeries],
    **extra: object,
) -> RunReport:
    codes = {
        Verdict.PASS: ExitCode.OK,
        Verdict.FAIL: ExitCode.BREACHED,
        Verdict.INCONCLUSIVE: ExitCode.INCONCLUSIVE,
    }
    verdict_code = combine_exit_codes(
        [codes[r.verdict] for phase in phases for r in phase.results if r.gating]
    )
    fields: dict[str, object] = {
        "run_id": f"20261128T141503Z-{gate}",
        "gate": gate,
        "status": RunStatus.COMPLETE,
        "exit_code": verdict_code,
        "started_at": START,
        "ended_at": START + seconds,
        "config": {
            "gate": gate,
            "profile": "steady-300",
            "slo": "slo/target-service.yaml",
            "platform": {"kind": "local", "replicas": 3},
        },
        "slo": SLO,
        "timeline": timeline,
        "phases": phases,
        "series": series,
        "environment": ENVIRONMENT,
    }
    fields.update(extra)
    return RunReport.model_validate(fields)


def _spans(*names_and_bounds: tuple[str, float, float | None]) -> list[PhaseSpan]:
    return [
        PhaseSpan(name=name, start=START + a, end=None if b is None else START + b)
        for name, a, b in names_and_bounds
    ]


def passing_smoke() -> RunReport:
    timeline = _spans(
        ("set-up", 0, 6),
        ("warm-up", 6, 11),
        ("baseline", 11, 41),
        ("evaluation", 41, 42),
        ("tear-down", 42, 44),
    )
    baseline = Window(start=START + 11, end=START + 41)
    phases = [_phase_results("baseline", baseline, 300, 0, 0, 0.024, 0.043)]
    comparison = CountComparison(
        phase="baseline",
        window=baseline,
        in_fault=False,
        client_total=9000,
        client_errors=0,
        server_total=8994,
        server_errors=0,
        edge_total=8994,
        edge_errors=0,
        tolerance=0.01,
    )
    return _report(
        "smoke", 44, phases, timeline, _series(44, 300, None), client_server=[comparison]
    )


def _fault_run(
    gate: str,
    errors: tuple[int, int],
    latency_fault: float,
    slow_share: float,
    kind: str,
    target: str,
) -> RunReport:
    timeline = _spans(
        ("set-up", 0, 6),
        ("warm-up", 6, 11),
        ("baseline", 11, 41),
        ("fault", 41, 56),
        ("recovery", 56, 86),
        ("evaluation", 86, 87),
        ("tear-down", 87, 89),
    )
    windows = {
        name: Window(start=START + a, end=START + b)
        for name, a, b in [("baseline", 11, 41), ("fault", 41, 56), ("recovery", 56, 86)]
    }
    phases = [
        _phase_results("baseline", windows["baseline"], 300, 0, 0, 0.024, 0.043),
        _phase_results(
            "fault",
            windows["fault"],
            300,
            errors[0],
            errors[1],
            0.024 + latency_fault * 1.2,
            0.043 + latency_fault * 1.5,
            slow_share,
        ),
        _phase_results("recovery", windows["recovery"], 300, 0, 0, 0.025, 0.045),
    ]
    fault = FaultWindow(
        fault_id="a1b2c3d4e5f6",
        kind=kind,
        target=target,
        state=FaultEvent.ROLLED_BACK,
        intended=START + 40.9,
        applied=START + 41.0,
        ended=START + 56.0,
    )
    comparisons = [
        CountComparison(
            phase=name,
            window=window,
            in_fault=name == "fault",
            client_total=round(300 * window.seconds),
            client_errors=errors[0] if name == "fault" else 0,
            server_total=round(300 * window.seconds)
            - (errors[0] - errors[1] if name == "fault" else 0),
            server_errors=errors[1] if name == "fault" else 0,
            tolerance=0.01,
        )
        for name, window in windows.items()
    ]
    recovered = 2.4 if latency_fault == 0 else 6.1
    recovery = Recovery(
        fault_id=fault.fault_id,
        kind=kind,
        objective="availability",
        place="client",
        fault_ended=fault.ended,
        recovered_at=START + 56 + recovered,
        sustained_s=10,
        verdict=Verdict.PASS,
        reason=f"back within 99.9 % after {recovered} s, "
        "sustained for 10 s (objective: within 30 s)",
    )
    series = _series(
        89, 300, (41, 56), fault_errors=0.005 if errors[0] else 0.0, fault_latency=latency_fault
    )
    return _report(
        gate,
        89,
        phases,
        timeline,
        series,
        faults=[fault],
        client_server=comparisons,
        recoveries=[recovery],
        journals=[brief_journal(JOURNAL, "journal.json")],
    )


def passing_pod_kill() -> RunReport:
    # 22 client-side errors out of 4,500 while a replica restarts, none seen by the server
    return _fault_run("pod-kill", (22, 0), 0.0, 0.0, "replica_kill", "replica-1")


def failing_regression() -> RunReport:
    return _fault_run("regression", (0, 0), 0.3, 0.12, "latency", "all-replicas")


def partial_interrupted() -> RunReport:
    timeline = _spans(
        ("set-up", 0, 6), ("warm-up", 6, 11), ("baseline", 11, 41), ("fault", 41, None)
    )
    baseline = Window(start=START + 11, end=START + 41)
    phases = [_phase_results("baseline", baseline, 300, 0, 0, 0.024, 0.043)]
    fault = FaultWindow(
        fault_id="0f0f0f0f0f0f",
        kind="latency",
        target="all-replicas",
        state=FaultEvent.ROLLED_BACK,
        intended=START + 40.9,
        applied=START + 41.0,
        ended=START + 48.2,
    )
    return _report(
        "latency",
        48.5,
        phases,
        timeline,
        _series(48.5, 300, (41, 56), fault_latency=0.2, stop_at=48),
        status=RunStatus.PARTIAL,
        partial_reason="interrupted (SIGINT) during fault",
        exit_code=ExitCode.INTERRUPTED,
        faults=[fault],
        notes=["faults rolled back and stack taken down after the interrupt"],
    )


def inconclusive() -> RunReport:
    timeline = _spans(("set-up", 0, 6), ("baseline", 6, 14), ("evaluation", 14, 15))
    window = Window(start=START + 6, end=START + 14)
    results = [
        availability("server", 0, 400, window.seconds),
        no_data("availability", "availability", "client"),
        latency(
            "p95-under-500ms",
            "server",
            0.5,
            0.95,
            0,
            400,
            {"p50": 0.008, "p95": 0.024, "p99": 0.04},
            window.seconds,
        ),
    ]
    phases = [PhaseResults(phase="baseline", window=window, results=results)]
    return _report(
        "smoke",
        15,
        phases,
        timeline,
        _series(15, 50, None),
        run_id="20261128T141503Z-smoke-2",
        notes=["the load generator's metrics were never scraped (job client)"],
    )


SCENARIOS: dict[str, Callable[[], RunReport]] = {
    "passing_smoke": passing_smoke,
    "passing_pod_kill": passing_pod_kill,
    "failing_regression": failing_regression,
    "partial_interrupted": partial_interrupted,
    "inconclusive": inconclusive,
}
EXPECTED_EXIT = {
    "passing_smoke": ExitCode.OK,
    "passing_pod_kill": ExitCode.OK,
    "failing_regression": ExitCode.BREACHED,
    "partial_interrupted": ExitCode.INTERRUPTED,
    "inconclusive": ExitCode.INCONCLUSIVE,
}
assert math.isfinite(START)

"""One step of `slogate capacity`: a load at one rate against a stack, judged like a gate.

The step's window runs from the end of its warm-up to the load's last answer; every gating
share objective (availability, latency) of the SLO file is judged over it at every place it
is measured, with the same statistics as a gate (too few requests: INCONCLUSIVE), and the
step's error ratio (the curve's errors, "errors exploded") is the client's over the same
window, so the warm-up counts in neither. When Prometheus has no client count for the window
(the client was not scraped, the query failed), the step falls back to the generator's own
error ratio over its whole load (warm-up included) and its record says so: errors the server
never sees (connection refused) still explode the step. `judge` is pure: what the generator
and the verdicts say decide the step's outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from slogate.capacity.search import Outcome
from slogate.errors import UsageError
from slogate.gate.detection import is_share
from slogate.gate.place_counts import client_error_ratio
from slogate.load.profiles import Profile
from slogate.load.results import LoadSummary
from slogate.load.runner import LoadPlan, run_load
from slogate.slo.evaluate import ObjectiveResult, Window, evaluate_spec
from slogate.slo.final_samples import await_final_samples
from slogate.slo.prometheus import PrometheusClient
from slogate.slo.spec import SLOSpec
from slogate.slo.stats import Verdict

ERRORS_EXPLODED = 0.5  # more than half the answers failed: the service is down, not slow
COUNTED_IN_PROMETHEUS = "the client's metrics in Prometheus, over the judged window"
COUNTED_BY_GENERATOR = (
    "the load generator's own count over its whole load, warm-up included (Prometheus had "
    "no client count for the judged window)"
)


def share_spec(spec: SLOSpec) -> SLOSpec:
    """`spec` with only its gating share objectives (what a step judges)."""
    return spec.only(lambda o: is_share(o) and o.is_gating())


def judge(
    summary: LoadSummary, results: list[ObjectiveResult], error_ratio: float | None
) -> tuple[Outcome, tuple[str, ...]]:
    """The step's outcome and, when it broke, what broke (`error_ratio`: the client's over
    the judged window).

    A FAIL (or exploded errors) is a breach at or below the offered rate even when the
    generator saturated; saturated only when nothing failed. Except the client's latency at a
    saturated step: it is timed from each request's intended start, so it holds the
    generator's own lag, which is not the service's breach."""
    if error_ratio is not None and error_ratio > ERRORS_EXPLODED:
        return Outcome.BROKE, (f"errors exploded ({error_ratio:.0%})",)
    failed = tuple(
        f"{r.objective} ({r.place})"
        for r in results
        if r.gating
        and r.verdict is Verdict.FAIL
        and not (summary.saturated and r.place == "client" and r.sli == "latency")
    )
    if failed:
        return Outcome.BROKE, failed
    if summary.saturated:
        return Outcome.SATURATED, ()
    if any(r.gating and r.verdict is Verdict.INCONCLUSIVE for r in results):
        return Outcome.INCONCLUSIVE, ()
    return Outcome.HELD, ()


def constant_profile(profile: Profile) -> Profile:
    """`profile`, when a step can offer it at one constant rate; a UsageError when it has
    several stages (its rate override would scale them: the step would judge a ramp)."""
    stages = profile.resolved_stages()
    if len(stages) > 1:
        rates = [stage.rate for stage in stages]
        raise UsageError(
            f"--profile {profile.name}: the profile has {len(stages)} stages ({min(rates):g} to "
            f"{max(rates):g} req/s); a capacity step offers one constant rate: give a profile "
            "with `rate` and `duration_s` (e.g. --profile baseline)"
        )
    return profile


@dataclass(frozen=True)
class StackTarget:
    """Where the steps go: the stack's edge and Prometheus, and the load's profile."""

    edge_url: str
    prometheus_url: str
    scrape_interval_s: float
    client_metrics_port: int | None
    profile: Profile
    loadtests: Path
    workers: int = 0


@dataclass(frozen=True)
class StepRecord:
    rate: float
    duration_s: float
    outcome: Outcome
    broken: tuple[str, ...]
    achieved_rps: float | None
    p95_ms: float | None  # from intended start, at the client
    p99_ms: float | None
    error_ratio: float | None  # at the client, over the judged window (warm-up excluded)
    verdicts: tuple[str, ...]  # "availability (client): PASS: ..." per judged objective
    run_dir: str
    error_ratio_from: str = COUNTED_IN_PROMETHEUS  # or COUNTED_BY_GENERATOR


def step_error_ratio(counted: float | None, summary: LoadSummary) -> tuple[float | None, str]:
    """The step's error ratio and where it comes from: `counted` (the client's in Prometheus
    over the judged window) or, when Prometheus had none, the generator's own (never none
    at all while the generator counted its answers: "errors exploded" is always checked)."""
    if counted is not None:
        return counted, COUNTED_IN_PROMETHEUS
    return summary.error_ratio, COUNTED_BY_GENERATOR


def run_step(
    target: StackTarget, spec: SLOSpec, rate: float, duration_s: float, warmup_s: float,
    run_dir: Path,
) -> StepRecord:  # fmt: skip
    """Load at `rate` for warm-up plus `duration_s`, then judge the share objectives."""
    profile = target.profile.with_overrides(rate, warmup_s + duration_s, None)
    plan = LoadPlan(
        profile=profile,
        host=target.edge_url,
        run_dir=run_dir,
        locustfile=target.loadtests / "locustfile.py",
        loadtests_dir=target.loadtests,
        workers=target.workers,
        client_metrics_port=target.client_metrics_port,
        overrides={"rate": rate, "duration": warmup_s + duration_s, "seed": None},
    )
    summary = run_load(plan)
    assert summary.started_at is not None and summary.ended_at is not None
    window = Window(start=summary.started_at + warmup_s, end=summary.ended_at)
    with PrometheusClient(target.prometheus_url) as client:
        await_final_samples(client, summary.ended_at, target.scrape_interval_s)
        return assess_step(
            client, spec, summary, window, target.scrape_interval_s, rate, duration_s, run_dir
        )


def assess_step(
    client: PrometheusClient, spec: SLOSpec, summary: LoadSummary, window: Window,
    scrape_interval_s: float, rate: float, duration_s: float, run_dir: Path,
) -> StepRecord:  # fmt: skip
    """The step at `rate`: its verdicts and error ratio, both over `window` (the load after
    its warm-up)."""
    results = evaluate_spec(share_spec(spec), client, window, scrape_interval_s, rate, window)
    error_ratio, error_ratio_from = step_error_ratio(client_error_ratio(client, window), summary)
    outcome, broken = judge(summary, results, error_ratio)
    intended = summary.latency.get("intended")
    return StepRecord(
        rate=rate,
        duration_s=duration_s,
        outcome=outcome,
        broken=broken,
        achieved_rps=summary.achieved_rate,
        p95_ms=intended.p95_ms if intended else None,
        p99_ms=intended.p99_ms if intended else None,
        error_ratio=error_ratio,
        verdicts=tuple(
            f"{r.objective} ({r.place}): {r.verdict.value}: {r.reason}" for r in results
        ),
        run_dir=str(run_dir),
        error_ratio_from=error_ratio_from,
    )

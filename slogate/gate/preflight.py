"""Before anything starts: can the planned load demonstrate each objective of each phase?

An objective with a target (availability, latency shares) needs `required_requests(target)`
requests with no bad ones to PASS (99.9 %: 2,995). A phase that cannot supply them would end
INCONCLUSIVE however good the service is, so the gate refuses to start (exit 2) and says
which rate or duration would do, unless told to run anyway.

A gate with `detect: Nx` also needs each judged share objective to FAIL a true bad share of
N times its allowed share with 90 % power (gate/detection.py); a phase that cannot is refused
the same way, with the rate or duration that would.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from slogate.errors import ConfigError
from slogate.gate.detection import (
    detection_of,
    detects,
    phase_label,
    seconds_to_detect,
    smallest,
)
from slogate.gate.plan import GatePlan, PlannedPhase
from slogate.slo.evaluate import MIN_SCRAPE_INTERVALS
from slogate.slo.spec import Objective
from slogate.slo.stats import required_requests


@dataclass(frozen=True)
class Shortfall:
    phase: str
    objective: str
    planned: float
    required: int
    seconds: float
    message: str


def find_shortfalls(plan: GatePlan) -> list[Shortfall]:
    """Every (phase, objective) the planned load cannot demonstrate (or, with `detect:`,
    cannot detect a breach of that budget-burn multiple in)."""
    shortfalls = []
    scrape = plan.config.timings.scrape_interval_s
    for phase in plan.phases:
        label = phase_label(phase)
        for name in phase.objectives:
            objective = plan.objective(name)
            if phase.seconds < MIN_SCRAPE_INTERVALS * scrape:
                shortfalls.append(
                    Shortfall(label, name, 0, 0, phase.seconds,
                              f"{label}: {name}: the phase lasts {phase.seconds:g} s, under "
                              f"{MIN_SCRAPE_INTERVALS} scrape intervals "
                              f"({MIN_SCRAPE_INTERVALS * scrape:g} s)")
                )  # fmt: skip
                continue
            if objective.target is None or not objective.is_gating():
                continue
            required = required_requests(objective.target)
            planned = plan.planned_requests(phase.start_s, phase.end_s)
            if planned + 1e-9 >= required:
                shortfalls += _detection_shortfall(plan, phase, objective, label)
                continue
            rate = planned / phase.seconds if phase.seconds else 0.0
            need_rate = math.ceil(required / phase.seconds)
            need_seconds = math.ceil(required / rate) if rate else math.inf
            message = (
                f"{label}: objective {name!r} (target {objective.target:g}) needs at least "
                f"{required:,} requests to PASS, the plan gives {planned:,.0f} "
                f"({rate:g} req/s x {phase.seconds:g} s): raise the rate to >= {need_rate} req/s "
                f"or make the phase >= {need_seconds:g} s long"
            )
            shortfalls.append(Shortfall(label, name, planned, required, phase.seconds, message))
    return shortfalls


def _detection_shortfall(
    plan: GatePlan, phase: PlannedPhase, objective: Objective, label: str
) -> list[Shortfall]:
    """The phase's shortfall against the gate's `detect:` multiple, if any."""
    burn = plan.gate.detect
    if burn is None:
        return []
    figure = detection_of(plan, phase, objective)
    if not figure.applicable:
        return []
    allowed = objective.allowed_bad_share
    share = burn * allowed
    if share >= 1:
        raise ConfigError(
            plan.config.source or "slogate.yaml", f"gates.{plan.name}.detect",
            f"{burn:g}x of {objective.name!r}'s allowed share ({allowed:.3g}) is 100 % or more: "
            f"use a multiple under {1 / allowed:g}",
        )  # fmt: skip
    if figure.meets_requirement:
        return []
    scrape = plan.config.timings.scrape_interval_s
    seconds, planned = phase.seconds, figure.planned_requests or 0.0
    rate = planned / seconds if seconds else 0.0
    need_rate = smallest(
        lambda r: detects(r * seconds, seconds, scrape, share, allowed), math.ceil(rate) + 1
    )
    need_seconds = (
        seconds_to_detect(rate, scrape, share, allowed, math.ceil(seconds) + 1) if rate else None
    )
    fix = " or ".join(
        [f"raise the rate to >= {need_rate} req/s"] * (need_rate is not None)
        + [f"make the phase >= {need_seconds} s long"] * (need_seconds is not None)
    )
    message = (
        f"{label}: objective {objective.name!r} {figure.describe()}{figure.power_text()}; "
        f"`detect: {burn:g}x` needs {share * 100:.3g} %: {fix or 'no load will do'}"
    )
    required = (need_rate or 0) * math.ceil(seconds)
    return [Shortfall(label, objective.name, planned, required, seconds, message)]


def run_error_budget(plan: GatePlan) -> float | None:
    """Errors the whole planned run (after warm-up) may have and still pass every phase.

    The sum over phases of the loosest availability objective's allowed share times the
    phase's planned requests; None when some phase has no availability objective (then no
    number of errors proves the run cannot pass any more).
    """
    budget = 0.0
    for phase in plan.phases:
        if phase.name == "warm-up":
            continue
        shares = [
            plan.objective(name).allowed_bad_share
            for name in phase.objectives
            if plan.objective(name).sli == "availability" and plan.objective(name).is_gating()
        ]
        if not shares:
            return None
        budget += max(shares) * plan.planned_requests(phase.start_s, phase.end_s)
    return budget

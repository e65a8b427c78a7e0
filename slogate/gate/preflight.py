"""Before anything starts: can the planned load demonstrate each objective of each phase?

An objective with a target (availability, latency shares) needs `required_requests(target)`
requests with no bad ones to PASS (99.9 %: 2,995). A phase that cannot supply them would end
INCONCLUSIVE however good the service is, so the gate refuses to start (exit 2) and says
which rate or duration would do, unless told to run anyway.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from slogate.gate.plan import GatePlan
from slogate.slo.evaluate import MIN_SCRAPE_INTERVALS
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
    """Every (phase, objective) the planned load cannot demonstrate."""
    shortfalls = []
    scrape = plan.config.timings.scrape_interval_s
    for phase in plan.phases:
        label = phase.name if phase.experiment is None else f"fault ({phase.experiment})"
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

"""Before the run: the smallest breach each judged objective of each phase detects.

For every availability or latency objective a phase judges, the smallest true bad share the
evaluator would FAIL with 90 % power (slo/power.py), worst case over the request counts the
phase can plausibly end up with:

    low   planned x (1 - COUNT_SPREAD) - SLACK_SCRAPES x scrape interval x rate
    high  planned x (1 + COUNT_SPREAD) + SLACK_SCRAPES x scrape interval x rate

Why that range: counts are counter deltas between the last scrapes at or before the window's
ends, so each end may move by up to one scrape interval of traffic (two in all); and a phase's
real window follows the ledger and the load generator, not the plan (a fault applied a second
late, a restart that takes longer than planned, a generator a few per cent behind), which the
±10 % covers. Throughput, start-up, time to recover and SLIs that are not shares of the
API's requests show "n/a". Pure: the plan in, figures out.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from slogate.gate.phases import fault_label
from slogate.gate.plan import GatePlan, PlannedPhase
from slogate.report.model import Detection
from slogate.slo.power import DETECTION_POWER, min_detectable_share, worst_power
from slogate.slo.spec import Objective

COUNT_SPREAD = 0.10
SLACK_SCRAPES = 2
SHARE_SLIS = ("availability", "latency")
_MAX_FACTOR = 1_000_000  # `smallest` gives up beyond this multiple of its start


def phase_label(phase: PlannedPhase) -> str:
    """The phase's name as the report shows it (`fault:pod-kill`)."""
    return phase.name if phase.experiment is None else fault_label(phase.experiment)


def plausible_requests(planned: float, rate: float, scrape_s: float) -> tuple[int, int]:
    """The range of request counts a phase planned for `planned` can end up judging."""
    slack = SLACK_SCRAPES * scrape_s * rate
    low = max(1, math.floor(planned * (1 - COUNT_SPREAD) - slack))
    high = max(low, math.ceil(planned * (1 + COUNT_SPREAD) + slack))
    return low, high


def is_share(objective: Objective) -> bool:
    """An objective judged as a binomial share of the API's requests."""
    return objective.sli in SHARE_SLIS and objective.target is not None


def detection_of(
    plan: GatePlan, phase: PlannedPhase, objective: Objective, power: float = DETECTION_POWER
) -> Detection:
    label = phase_label(phase)
    if not is_share(objective):
        return Detection(phase=label, objective=objective.name, sli=objective.sli,
                         applicable=False, power=power)  # fmt: skip
    planned = plan.planned_requests(phase.start_s, phase.end_s)
    rate = planned / phase.seconds if phase.seconds > 0 else 0.0
    low, high = plausible_requests(planned, rate, plan.config.timings.scrape_interval_s)
    return Detection(
        phase=label, objective=objective.name, sli=objective.sli,
        allowed_bad_share=objective.allowed_bad_share, threshold=objective.threshold,
        planned_requests=planned, requests_low=low, requests_high=high, power=power,
        min_detectable_share=min_detectable_share(low, high, objective.allowed_bad_share, power),
        required_burn=plan.gate.detect,
    )  # fmt: skip


def detection_figures(plan: GatePlan) -> list[Detection]:
    """One figure per judged (phase, objective), then time to recover ("n/a")."""
    figures = [
        detection_of(plan, phase, plan.objective(name))
        for phase in plan.phases
        for name in phase.objectives
    ]
    recover = plan.gate.time_to_recover
    if recover is not None:
        figures.append(Detection(phase="after each fault", objective="time-to-recover",
                                 sli="time_to_recover", applicable=False))  # fmt: skip
    return figures


def detects(planned: float, seconds: float, scrape_s: float, share: float, allowed: float) -> bool:
    """Whether `planned` requests over `seconds` FAIL a true `share` with 90 % power."""
    rate = planned / seconds if seconds > 0 else 0.0
    low, high = plausible_requests(planned, rate, scrape_s)
    return worst_power(low, high, share, allowed) >= DETECTION_POWER


def seconds_to_detect(
    rate: float, scrape_s: float, share: float, allowed: float, start: int = 1
) -> int | None:
    """The fewest whole seconds (>= `start`) of `rate` req/s in which a phase FAILs a true
    `share` with 90 % power (None: no length will do)."""
    return smallest(lambda t: detects(rate * t, t, scrape_s, share, allowed), start)


def smallest(holds: Callable[[int], bool], start: int) -> int | None:
    """The smallest integer >= `start` for which `holds` is true, by doubling then bisection
    (None beyond _MAX_FACTOR x start)."""
    low, high = start, start
    while not holds(high):
        low, high = high + 1, high * 2
        if high > _MAX_FACTOR * max(1, start):
            return None
    while low < high:
        middle = (low + high) // 2
        if holds(middle):
            high = middle
        else:
            low = middle + 1
    return high

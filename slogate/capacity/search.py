"""The search of `slogate capacity`: which rate to try next, and what the steps tried say.

Pure: every input is data, so the step/bisect logic is tested as a table of named scenarios
without a stack. A step is one load at one rate, judged with the gate's statistics:

    held          every gating share objective (availability, latency) demonstrated PASS
    broke         one of them FAILed, or errors exploded (`broken` names what broke)
    saturated     the load generator could not offer the rate: nothing is known above
    inconclusive  too few samples (or no data) to decide

The search steps up by `factor` from `start_rps` until a step breaks, saturates or reaches
`to_rps` (each step long enough for the requests the objectives need to be demonstrated,
`min_requests`); then bisects between the highest held rate and the lowest broken one (or the
lowest at which the generator saturated: the capacity is then "at least") until they are
within `precision` of each other (relative). An inconclusive step is run again once, `lengthen`
times longer; a saturated one once, as long (a second of saturation while Locust starts on a
busy machine is not the generator's limit). Inconclusive twice at one rate ends the search;
saturated twice makes that rate the bound the search stays below.

The conclusion compares the capacity found with the required rate (throughput's `min_rps` or
`--require`): exit 0 when it reaches it (also "at least R" when the generator saturated
above R), 1 when a share objective broke at or below it (even when a later bisect step then
saturated or stayed inconclusive: the breach is demonstrated), 3 when the generator
saturated, the steps stayed inconclusive or `to_rps` stopped the search below it. The capacity
is "at least" when the search did not close in on a broken rate to `precision`. A generator
that saturated above a broken rate says nothing new and is ignored.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from slogate.errors import ExitCode


class Outcome(StrEnum):
    HELD = "held"
    BROKE = "broke"
    SATURATED = "saturated"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class Step:
    """One load at one rate and what it showed."""

    rate: float
    duration_s: float
    outcome: Outcome
    broken: tuple[str, ...] = ()  # the objectives that FAILed (outcome BROKE)


@dataclass(frozen=True)
class SearchPlan:
    start_rps: float
    to_rps: float
    duration_s: float  # of one step
    factor: float = 1.5  # step-up multiple
    precision: float = 0.05  # bisect until (broken - held) <= precision * held
    lengthen: float = 2.0  # an inconclusive step is run again this many times longer
    min_requests: int = 0  # a step lasts long enough to see this many (plus SAMPLE_MARGIN)

    def __post_init__(self) -> None:
        if not 0 < self.start_rps <= self.to_rps:
            raise ValueError(f"need 0 < start ({self.start_rps:g}) <= to ({self.to_rps:g})")
        if self.factor <= 1 or not 0 < self.precision < 1 or self.lengthen <= 1:
            raise ValueError("need factor > 1, 0 < precision < 1 and lengthen > 1")


SAMPLE_MARGIN = 1.2


def step_duration(plan: SearchPlan, rate: float) -> float:
    """`duration_s`, or longer when the rate cannot supply `min_requests` in it."""
    return max(plan.duration_s, math.ceil(plan.min_requests * SAMPLE_MARGIN / rate))


@dataclass(frozen=True)
class NextStep:
    rate: float
    duration_s: float


@dataclass(frozen=True)
class Bracket:
    """What the steps so far bound: the highest held rate below the lowest broken one."""

    held: float | None
    broken: float | None
    saturated: float | None  # the lowest rate at which the generator saturated twice
    inconclusive: float | None  # a rate inconclusive twice (the search stops there)

    @property
    def upper(self) -> float | None:
        """The lowest rate that broke or saturated the generator: the search stays below it."""
        found = [r for r in (self.broken, self.saturated) if r is not None]
        return min(found, default=None)


def bracket(steps: Sequence[Step]) -> Bracket:
    broken = min((s.rate for s in steps if s.outcome is Outcome.BROKE), default=None)
    saturated = [r for r in _twice(steps, Outcome.SATURATED) if broken is None or r < broken]
    upper = min([r for r in (broken, min(saturated, default=None)) if r is not None], default=None)
    held = max(
        (s.rate for s in steps
         if s.outcome is Outcome.HELD and (upper is None or s.rate < upper)),
        default=None,
    )  # fmt: skip
    inconclusive = _twice(steps, Outcome.INCONCLUSIVE)
    return Bracket(held, broken, min(saturated, default=None), min(inconclusive, default=None))


def _twice(steps: Sequence[Step], outcome: Outcome) -> list[float]:
    """The rates at which `outcome` came twice."""
    return [
        s.rate
        for i, s in enumerate(steps)
        if s.outcome is outcome
        and any(t.rate == s.rate and t.outcome is outcome for t in steps[:i])
    ]


def next_step(plan: SearchPlan, steps: Sequence[Step]) -> NextStep | None:
    """The next load to run, or None when the search is over."""
    if not steps:
        return NextStep(plan.start_rps, step_duration(plan, plan.start_rps))
    bounds = bracket(steps)
    if bounds.inconclusive is not None:
        return None
    last = steps[-1]
    if last.outcome is Outcome.INCONCLUSIVE:
        return NextStep(last.rate, last.duration_s * plan.lengthen)
    if last.outcome is Outcome.SATURATED and bounds.saturated != last.rate:
        return NextStep(last.rate, last.duration_s)  # once more: a busy moment, or the limit?
    upper = bounds.upper
    if upper is None:
        assert bounds.held is not None
        if bounds.held >= plan.to_rps:
            return None
        rate = min(bounds.held * plan.factor, plan.to_rps)
        return NextStep(rate, step_duration(plan, rate))
    if bounds.held is None or upper - bounds.held <= plan.precision * bounds.held:
        return None
    rate = (bounds.held + upper) / 2
    return NextStep(rate, step_duration(plan, rate))


@dataclass(frozen=True)
class Conclusion:
    capacity: float | None  # the highest rate at which every share objective held
    at_least: bool  # the search stopped before anything broke: the capacity is a lower bound
    stopped: str  # why the search ended, for people
    broke_first: tuple[str, ...]  # the objectives that broke at the lowest broken rate
    exit_code: ExitCode


def _cut_short(bounds: Bracket) -> str | None:
    """Why the bisect stopped before it reached its precision, if it did."""
    if bounds.saturated is not None:
        return f"the load generator saturated at {bounds.saturated:g} req/s"
    if bounds.inconclusive is not None:
        return f"too few samples to decide at {bounds.inconclusive:g} req/s, twice"
    return None


def conclude(plan: SearchPlan, steps: Sequence[Step], required_rps: float) -> Conclusion:
    """What the steps say about the capacity, against the rate it must reach."""
    bounds = bracket(steps)
    capacity = bounds.held
    first_broken = [s for s in steps if s.outcome is Outcome.BROKE and s.rate == bounds.broken]
    broke_first = first_broken[0].broken if first_broken else ()
    reaches = capacity is not None and capacity >= required_rps
    cut_short = _cut_short(bounds)
    at_least = bounds.broken is None or cut_short is not None  # no broken rate within precision
    if bounds.broken is not None:
        if capacity is None:
            stopped = f"the first step, {bounds.broken:g} req/s, broke: {', '.join(broke_first)}"
        else:
            stopped = (
                f"held at {capacity:g} req/s, broke at {bounds.broken:g} req/s "
                f"({', '.join(broke_first)})"
            )
            stopped += f"; {cut_short}" if cut_short else f", within {plan.precision:.0%}"
        # a breach at or below the required rate is demonstrated whatever came after it
        demonstrated = bounds.broken <= required_rps or cut_short is None
        code = ExitCode.BREACHED if demonstrated else ExitCode.INCONCLUSIVE
        code = ExitCode.OK if reaches else code
        return Conclusion(capacity, at_least, stopped, broke_first, code)
    if cut_short is not None:
        code = ExitCode.OK if reaches else ExitCode.INCONCLUSIVE
        return Conclusion(capacity, at_least, cut_short, broke_first, code)
    stopped = f"every step held, up to --to {plan.to_rps:g} req/s"
    code = ExitCode.OK if reaches else ExitCode.INCONCLUSIVE  # not tried up to the required rate
    return Conclusion(capacity, True, stopped, broke_first, code)

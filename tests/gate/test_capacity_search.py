"""The capacity search's step-up and bisect logic, as a table of named scenarios (pure).

Each scenario plays a service whose share objectives hold up to `holds_to` req/s (and a load
generator that saturates from `saturates_at`, or steps inconclusive at given rates) against
`next_step` until it says stop, then checks the rates tried and the conclusion.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from slogate.capacity.search import (
    NextStep,
    Outcome,
    SearchPlan,
    Step,
    bracket,
    conclude,
    next_step,
)
from slogate.errors import ExitCode


@dataclass(frozen=True)
class Scenario:
    holds_to: float
    required: float = 500
    saturates_at: float = float("inf")
    inconclusive_at: dict[float, int] = field(default_factory=dict)  # rate: times
    saturated_once_at: tuple[float, ...] = ()
    start: float = 100
    to: float = 2000
    rates: tuple[float, ...] = ()
    capacity: float | None = None
    at_least: bool = False
    exit_code: ExitCode = ExitCode.OK
    stopped: str = ""


def play(scenario: Scenario) -> tuple[SearchPlan, list[Step]]:
    plan = SearchPlan(start_rps=scenario.start, to_rps=scenario.to, duration_s=30)
    steps: list[Step] = []
    left = dict(scenario.inconclusive_at)
    blips = list(scenario.saturated_once_at)
    while (step := next_step(plan, steps)) is not None:
        assert len(steps) < 40, "the search does not end"
        if step.rate >= scenario.saturates_at or step.rate in blips:
            if step.rate in blips:
                blips.remove(step.rate)
            outcome, broken = Outcome.SATURATED, ()
        elif left.get(step.rate, 0) > 0:
            left[step.rate] -= 1
            outcome, broken = Outcome.INCONCLUSIVE, ()
        elif step.rate <= scenario.holds_to:
            outcome, broken = Outcome.HELD, ()
        else:
            outcome, broken = Outcome.BROKE, ("p95-under-500ms",)
        steps.append(Step(step.rate, step.duration_s, outcome, broken))
    return plan, steps


SCENARIOS = {
    "holds 700: steps up, bisects to within 5 %": Scenario(
        holds_to=700, rates=(100, 150, 225, 337.5, 506.25, 759.375, 632.8125, 696.09375,
                             727.734375),
        capacity=696.09375, stopped="held at 696.094 req/s, broke at 727.734 req/s",
    ),
    "holds 400 of a required 500: exit 1": Scenario(
        holds_to=400, rates=(100, 150, 225, 337.5, 506.25, 421.875, 379.6875, 400.78125,
                             390.234375),
        capacity=390.234375, exit_code=ExitCode.BREACHED, stopped="broke at 400.781 req/s",
    ),
    "breaks at the first step": Scenario(
        holds_to=50, rates=(100,), capacity=None, exit_code=ExitCode.BREACHED,
        stopped="the first step, 100 req/s, broke: p95-under-500ms",
    ),
    "generator saturates above the required rate: bisected below it, at least, exit 0": Scenario(
        holds_to=5000, saturates_at=700,
        rates=(100, 150, 225, 337.5, 506.25, 759.375, 759.375, 632.8125, 696.09375, 727.734375,
               727.734375),
        capacity=696.09375, at_least=True, stopped="the load generator saturated at 727.734",
    ),
    "generator saturates below the required rate: exit 3": Scenario(
        holds_to=5000, saturates_at=400,
        rates=(100, 150, 225, 337.5, 506.25, 506.25, 421.875, 421.875, 379.6875, 400.78125,
               400.78125, 390.234375),
        capacity=390.234375, at_least=True, exit_code=ExitCode.INCONCLUSIVE,
        stopped="the load generator saturated at 400.781",
    ),
    "saturated once, then not: a busy moment, the search goes on": Scenario(
        holds_to=5000, to=337.5, saturated_once_at=(150,), rates=(100, 150, 150, 225, 337.5),
        capacity=337.5, at_least=True, required=300, stopped="every step held",
    ),
    "every step holds up to --to": Scenario(
        holds_to=5000, to=600, rates=(100, 150, 225, 337.5, 506.25, 600), capacity=600,
        at_least=True, stopped="every step held, up to --to 600 req/s",
    ),
    "--to below the required rate: not tried, exit 3": Scenario(
        holds_to=5000, to=300, rates=(100, 150, 225, 300), capacity=300, at_least=True,
        exit_code=ExitCode.INCONCLUSIVE, stopped="up to --to 300",
    ),
    "an inconclusive step runs again, longer": Scenario(
        holds_to=5000, to=225, required=200, inconclusive_at={150: 1}, rates=(100, 150, 150, 225),
        capacity=225, at_least=True, stopped="every step held",
    ),
    "inconclusive twice at one rate ends the search": Scenario(
        holds_to=5000, inconclusive_at={150: 2}, rates=(100, 150, 150), capacity=100,
        at_least=True, exit_code=ExitCode.INCONCLUSIVE,
        stopped="too few samples to decide at 150 req/s, twice",
    ),
    "broke below the required rate, then a bisect step inconclusive twice: exit 1": Scenario(
        holds_to=200, inconclusive_at={187.5: 2}, rates=(100, 150, 225, 187.5, 187.5),
        capacity=150, at_least=True, exit_code=ExitCode.BREACHED,
        stopped="held at 150 req/s, broke at 225 req/s (p95-under-500ms); too few samples to "
                "decide at 187.5 req/s, twice",
    ),
    "broke below the required rate, then a bisect step saturated twice: exit 1": Scenario(
        holds_to=200, saturated_once_at=(187.5, 187.5),
        rates=(100, 150, 225, 187.5, 187.5, 168.75, 178.125, 182.8125), capacity=182.8125,
        at_least=True, exit_code=ExitCode.BREACHED,
        stopped="broke at 225 req/s (p95-under-500ms); the load generator saturated at 187.5",
    ),
    "broke above the required rate, then inconclusive twice: the capacity reaches it, exit 0": (
        Scenario(
            holds_to=200, required=120, inconclusive_at={187.5: 2},
            rates=(100, 150, 225, 187.5, 187.5), capacity=150, at_least=True,
            stopped="broke at 225 req/s (p95-under-500ms); too few samples",
        )
    ),
    "broke above the required rate, then inconclusive twice above the held one: exit 3": (
        Scenario(
            holds_to=200, required=180, inconclusive_at={187.5: 2},
            rates=(100, 150, 225, 187.5, 187.5), capacity=150, at_least=True,
            exit_code=ExitCode.INCONCLUSIVE, stopped="too few samples to decide at 187.5",
        )
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", SCENARIOS)
def test_search(name: str) -> None:
    scenario = SCENARIOS[name]
    plan, steps = play(scenario)
    assert tuple(s.rate for s in steps) == pytest.approx(scenario.rates)
    found = conclude(plan, steps, scenario.required)
    assert found.capacity == pytest.approx(scenario.capacity)
    assert (found.at_least, found.exit_code) == (scenario.at_least, scenario.exit_code)
    assert scenario.stopped in found.stopped


def test_a_rerun_inconclusive_step_is_lengthened() -> None:
    _, steps = play(SCENARIOS["an inconclusive step runs again, longer"])
    assert [s.duration_s for s in steps] == [30, 30, 60, 30]


def test_a_step_lasts_long_enough_for_the_requests_needed() -> None:
    plan = SearchPlan(start_rps=100, to_rps=800, duration_s=20, min_requests=2995)
    assert next_step(plan, []) == NextStep(100, 36)  # 2,995 x 1.2 / 100 req/s
    held = [Step(100, 36, Outcome.HELD)]
    assert next_step(plan, held) == NextStep(150, 24)
    assert next_step(plan, [*held, Step(150, 24, Outcome.HELD)]) == NextStep(225, 20)


def test_a_bracket_ignores_held_rates_above_a_broken_one_and_late_saturation() -> None:
    steps = [
        Step(100, 30, Outcome.HELD), Step(200, 30, Outcome.BROKE, ("availability",)),
        Step(150, 30, Outcome.HELD), Step(250, 30, Outcome.HELD),
        Step(300, 30, Outcome.SATURATED), Step(300, 30, Outcome.SATURATED),
    ]  # fmt: skip
    bounds = bracket(steps)
    assert (bounds.held, bounds.broken, bounds.saturated) == (150, 200, None)


def test_a_bad_plan_is_refused() -> None:
    for kwargs in ({"start_rps": 0}, {"start_rps": 900}, {"factor": 1.0}, {"precision": 1.5}):
        with pytest.raises(ValueError, match="need "):
            SearchPlan(**{"start_rps": 100, "to_rps": 800, "duration_s": 30, **kwargs})

"""The open model's request mix: a seeded, weighted draw per arrival, the same sequence
`random.choices` would give (the mix only computes the cumulative weights once)."""

from __future__ import annotations

import random

import pytest

from slogate.load.actions import Action, ActionMix, PreparedRequest


def _action(route: str, weight: int, fallback: str | None = None) -> Action:
    return Action("GET", route, weight, lambda rng: PreparedRequest(route), fallback=fallback)


MIX = [_action("/a", 3), _action("/b", 1), _action("/c", 0), _action("/d", 5), _action("/e", 2)]


@pytest.mark.parametrize("seed", [1, 15, "7:0", "7:1"])
def test_a_seed_draws_exactly_the_sequence_random_choices_draws(seed):
    # what the open model did before: rng.choices with the weights rebuilt on every request
    reference_rng, mix_rng = random.Random(seed), random.Random(seed)
    weights = [action.weight for action in MIX]
    reference = [reference_rng.choices(MIX, weights=weights)[0] for _ in range(10_000)]
    mix = ActionMix(MIX)
    assert [mix.choose(mix_rng) for _ in range(10_000)] == reference
    assert reference_rng.random() == mix_rng.random()  # the generators stay in step too
    drawn = {action.route for action in reference}
    assert drawn == {"/a", "/b", "/d", "/e"}  # weight 0 is never drawn


def test_a_fallback_is_found_by_route_the_first_action_of_it():
    first, second = _action("/list", 1), _action("/list", 2)
    mix = ActionMix([_action("/item", 1, fallback="/list"), first, second])
    assert mix.with_route("/list") is first


@pytest.mark.parametrize("actions", [[], [_action("/a", 0), _action("/b", 0)]])
def test_a_mix_that_can_draw_nothing_is_refused_up_front(actions):
    with pytest.raises(ValueError, match="weights add up to 0; give at least one action"):
        ActionMix(actions)

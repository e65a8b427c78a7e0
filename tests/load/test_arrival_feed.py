"""The open model's bookkeeping without Locust: which arrivals a worker starts, which are
missed because the in-flight pool was full at their intended time, which were reached
behind the schedule. Times are on a made-up clock (origin 100.0)."""

from __future__ import annotations

import random

import pytest

from slogate.load.arrival_feed import ArrivalFeed
from slogate.load.profiles import Stage
from slogate.load.schedule import iter_arrival_times, iter_arrivals

ORIGIN = 100.0
LATE_AFTER_S = 0.010
# one arrival every 100 ms for 1 s: intended at 100.0, 100.1, ..., 100.9
TEN = [Stage(duration_s=1, rate=10)]


def _feed(stages: list[Stage] = TEN) -> tuple[ArrivalFeed, list[int]]:
    missed: list[int] = []  # the stage of each missed arrival

    def on_missed(stage: int, count: int) -> None:
        missed.extend([stage] * count)

    feed = ArrivalFeed(iter_arrival_times(stages, "uniform", 1), ORIGIN, LATE_AFTER_S, on_missed)
    return feed, missed


def test_workers_claim_arrivals_in_time_order_ahead_of_their_time():
    feed, missed = _feed()
    claims = [feed.claim(ORIGIN) for _ in range(3)]  # three idle workers, all at the start
    assert [c.arrival.index for c in claims if c] == [0, 1, 2]
    assert [round(c.intended - ORIGIN, 6) for c in claims if c] == [0.0, 0.1, 0.2]
    assert not any(c.behind for c in claims if c)
    assert missed == [] and feed.take_window() == (3, 0)


def test_arrivals_due_while_the_pool_was_full_are_missed():
    feed, missed = _feed()
    assert feed.claim(ORIGIN) is not None  # arrival 0 starts at 100.0 ...
    feed.pool_filled(ORIGIN)  # ... and takes the last free slot
    feed.pool_freed(ORIGIN + 0.35)  # a slot frees at 100.35: 100.1, 100.2, 100.3 found it full
    claim = feed.claim(ORIGIN + 0.35)
    assert claim is not None and claim.arrival.index == 4  # 100.4: due after the slot freed
    assert not claim.behind
    assert missed == [0, 0, 0]  # three, all of stage 0
    assert feed.take_window() == (5, 0)  # every arrival reached counts, missed ones too


def test_an_arrival_due_while_a_worker_was_free_starts_late_instead():
    feed, missed = _feed()
    feed.claim(ORIGIN)
    # the loop was starved until 100.25: the pool was never full, so 100.1 and 100.2 start
    # (late, their latency counting from 100.1 and 100.2), reached behind the schedule
    late = [feed.claim(ORIGIN + 0.25), feed.claim(ORIGIN + 0.25)]
    assert [(c.arrival.index, c.behind) for c in late if c] == [(1, True), (2, True)]
    on_time = feed.claim(ORIGIN + 0.25)
    assert on_time is not None and (on_time.arrival.index, on_time.behind) == (3, False)
    assert missed == [] and feed.take_window() == (4, 2)


def test_a_start_within_late_after_is_not_behind():
    feed, _ = _feed()
    claim = feed.claim(ORIGIN + LATE_AFTER_S / 2)
    assert claim is not None and not claim.behind


def test_only_the_span_while_full_is_missed_across_several_spans():
    feed, missed = _feed()
    feed.claim(ORIGIN)
    feed.pool_filled(ORIGIN + 0.05)
    feed.pool_freed(ORIGIN + 0.15)  # full 100.05-100.15: 100.1 missed
    feed.pool_filled(ORIGIN + 0.25)
    feed.pool_freed(ORIGIN + 0.45)  # full 100.25-100.45: 100.3, 100.4 missed
    claimed = feed.claim(ORIGIN + 0.45)
    # 100.2 was due between the spans with a slot free: started (late), not missed
    assert claimed is not None and (claimed.arrival.index, claimed.behind) == (2, True)
    after = feed.claim(ORIGIN + 0.45)
    assert after is not None and after.arrival.index == 5
    assert len(missed) == 3


def test_the_monitor_counts_missed_arrivals_while_the_pool_stays_full():
    feed, missed = _feed()
    feed.claim(ORIGIN)
    feed.pool_filled(ORIGIN + 0.01)
    assert feed.skip_missed(ORIGIN + 0.55) == 5  # 100.1 .. 100.5 were due while full
    assert feed.skip_missed(ORIGIN + 0.55) == 0  # nothing more is due yet
    feed.pool_freed(ORIGIN + 0.62)
    claim = feed.claim(ORIGIN + 0.62)  # 100.6 was due while full too
    assert claim is not None and claim.arrival.index == 7
    assert len(missed) == 6


def test_the_monitor_counts_nothing_while_a_slot_is_free():
    feed, missed = _feed()
    feed.claim(ORIGIN)
    assert feed.skip_missed(ORIGIN + 0.55) == 0
    assert missed == []


def test_the_feed_ends_with_the_schedule_and_says_so():
    feed, missed = _feed([Stage(duration_s=0.3, rate=10)])  # 100.0, 100.1, 100.2
    assert [feed.claim(ORIGIN) is not None for _ in range(3)] == [True, True, True]
    assert not feed.exhausted
    assert feed.claim(ORIGIN) is None and feed.exhausted
    assert feed.claim(ORIGIN + 1) is None  # and stays ended
    assert missed == []


def test_missed_arrivals_are_counted_in_their_own_stage():
    stages = [Stage(duration_s=0.2, rate=10), Stage(duration_s=0.2, rate=10)]  # 0, .1 | .2, .3
    feed, missed = _feed(stages)
    feed.claim(ORIGIN)
    feed.pool_filled(ORIGIN)
    feed.pool_freed(ORIGIN + 0.35)
    assert feed.claim(ORIGIN + 0.35) is None  # everything after arrival 0 was missed
    assert missed == [0, 1, 1]


def _reference_claims(arrivals, events):
    """What the feed must decide, from the rule itself: an arrival is missed when its intended
    time lies in a span while the pool was full ([filled, freed), or [filled, now] while it
    still is); otherwise the next claim starts it, behind when late by more than LATE_AFTER_S."""
    spans, full_since, position, outcome = [], None, 0, []
    for kind, now in events:
        if kind == "filled" and full_since is None:
            full_since = now
        elif kind == "freed" and full_since is not None:
            spans.append((full_since, now))
            full_since = None
        elif kind in ("claim", "sweep"):
            while position < len(arrivals):
                arrival = arrivals[position]
                intended = ORIGIN + arrival.offset_s
                in_span = any(start <= intended < end for start, end in spans)
                current = full_since is not None and full_since <= intended <= now
                if kind == "sweep" and not current:
                    break
                position += 1
                if in_span or current:
                    outcome.append(("missed", arrival.stage))
                    continue
                outcome.append(("claimed", arrival.index, now - intended > LATE_AFTER_S))
                break
    return outcome


@pytest.mark.parametrize("seed", range(6))
def test_missed_and_claimed_arrivals_follow_the_rule_over_random_pool_histories(seed):
    # runs of missed arrivals are counted with one call per stage: the counts must stay
    # exactly those the rule gives, arrival by arrival, across stages and sweeps
    stages = [Stage(duration_s=1, rate=200), Stage(duration_s=1, rate=300)]
    arrivals = list(iter_arrivals(stages, "poisson", seed))
    rng = random.Random(seed)
    events, now = [], ORIGIN
    while now < ORIGIN + 2.2:
        now += rng.expovariate(300)
        events.append((rng.choice(["claim", "claim", "claim", "filled", "freed", "sweep"]), now))
    outcome: list[tuple] = []
    feed = ArrivalFeed(
        iter_arrival_times(stages, "poisson", seed),
        ORIGIN,
        LATE_AFTER_S,
        lambda stage, count: outcome.extend([("missed", stage)] * count),
    )
    for kind, at in events:
        if kind == "filled":
            feed.pool_filled(at)
        elif kind == "freed":
            feed.pool_freed(at)
        elif kind == "sweep":
            feed.skip_missed(at)
        elif (claim := feed.claim(at)) is not None:
            outcome.append(("claimed", claim.arrival.index, claim.behind))
    expected = _reference_claims(arrivals, events)
    assert outcome == expected
    assert sum(1 for row in expected if row[0] == "missed") > 100  # the runs were exercised
    assert {row[1] for row in expected if row[0] == "missed"} == {0, 1}
    reached, behind = feed.take_window()
    assert reached == len(expected)
    assert behind == sum(1 for row in expected if row[0] == "claimed" and row[2])

"""Holes in the evidence as pure functions: gaps, downs, restarts, Prometheus itself gone,
and which of them a ledger fault explains (named scenarios of raw samples)."""

from __future__ import annotations

import pytest

from slogate.chaos.ledger import Fault, FaultEvent
from slogate.gate.holes import (
    LOAD_STOPPED,
    Hole,
    classify,
    explain,
    find_gaps,
    load_generator_stopped,
)
from slogate.slo.evaluate import Window
from slogate.slo.prometheus import RangeSeries

T0 = 1_800_000_000.0
WINDOW = Window(start=T0, end=T0 + 20)


def every(start: float, end: float, value: float = 1.0) -> list[tuple[float, float]]:
    """Samples each second from `start` to `end` (offsets from T0)."""
    return [(T0 + t, value) for t in range(int(start), int(end) + 1)]


def up(source: str, samples: list[tuple[float, float]], replica: str | None = None) -> RangeSeries:
    labels = {"__name__": "up", "source": source, "instance": "127.0.0.1:1"}
    if replica is not None:
        labels["replica"] = replica
    return RangeSeries(labels, samples)


FULL = [up("server", every(-1, 20), "0"), up("client", every(-1, 20)), up("edge", every(-1, 20))]

GAPS = {
    "a sample every second": (every(-1, 20), []),
    "one missed scrape is no hole": ([s for s in every(-1, 20) if s[0] != T0 + 7], []),
    "three missed scrapes": ([s for s in every(-1, 20) if not T0 + 6 < s[0] < T0 + 10], [(6, 10)]),
    "late at the start": (every(4, 20), [(0, 4)]),
    "gone before the end": (every(-1, 15), [(15, 20)]),
    "never there": ([], [(0, 20)]),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(GAPS))
def test_gaps(name: str) -> None:
    samples, expected = GAPS[name]
    found = find_gaps([t for t, _ in samples], WINDOW, 1.0)
    assert [(a - T0, b - T0) for a, b in found] == expected


def kinds(holes: list[Hole]) -> list[tuple[str, str, str, float, float]]:
    return [(h.place, h.part, h.kind, round(h.start - T0, 3), round(h.end - T0, 3)) for h in holes]


def test_complete_evidence_has_no_holes() -> None:
    assert classify("baseline", WINDOW, 1.0, FULL, []) == []


def test_a_replica_down_for_a_while() -> None:
    down = every(-1, 5) + every(6, 9, 0.0) + every(10, 20)
    series = [up("server", down, "1"), *FULL[1:]]
    assert kinds(classify("baseline", WINDOW, 1.0, series, [])) == [
        ("server", "replica-1", "down", 6, 10)
    ]


def test_one_failed_scrape_is_no_hole() -> None:
    """The load generator's metrics server stops after its final values were scraped: the
    scrape at the very end finds nothing (up == 0 once)."""
    series = [FULL[0], up("client", [*every(-1, 19), (T0 + 19.6, 0.0)]), FULL[2]]
    assert classify("baseline", WINDOW, 1.0, series, []) == []


def test_every_target_missing_at_once_is_prometheus() -> None:
    gap = [s for s in every(-1, 20) if not T0 + 5 < s[0] < T0 + 12]
    series = [up("server", gap, "0"), up("client", gap), up("edge", gap)]
    assert kinds(classify("baseline", WINDOW, 1.0, series, [])) == [
        ("all", "prometheus", "prometheus", 5, 12)
    ]


def test_a_target_never_scraped_is_a_hole_for_its_place() -> None:
    assert kinds(classify("baseline", WINDOW, 1.0, FULL[:2], [])) == [
        ("edge", "edge", "missing", 0, 20)
    ]


def test_a_restart_is_read_from_the_process_start_time() -> None:
    starts = [(T0 + t, T0 - 100 if t < 8 else T0 + 7.4) for t in range(-1, 21)]
    series = RangeSeries({"source": "server", "replica": "2"}, starts)
    assert kinds(classify("baseline", WINDOW, 1.0, FULL, [series])) == [
        ("server", "replica-2", "restart", 7.4, 7.4)
    ]


def fault(target: str, applied: float, ended: float | None) -> Fault:
    return Fault(
        fault_id="f", run_id="r", kind="replica_kill", target=target,
        state=FaultEvent.ROLLED_BACK, intended_at=T0 + applied - 0.1, applied_at=T0 + applied,
        ended_at=None if ended is None else T0 + ended, expires_at=T0 + 60, rollback=None,
    )  # fmt: skip


EXPLAINED = {
    "the killed replica, until it restarted": (
        fault("replica-1", 6, 9), "replica_kill on replica-1"
    ),
    "another replica's fault explains nothing": (fault("replica-0", 6, 9), None),
    "a fault that ended long before": (fault("replica-1", -20, -14), None),
    "a fault still open": (fault("replica-1", 5.5, None), "replica_kill on replica-1"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(EXPLAINED))
def test_a_fault_in_the_ledger_explains_its_own_hole(name: str) -> None:
    ledger_fault, expected = EXPLAINED[name]
    hole = Hole("fault:pod-kill", "server", "replica-1", "down", T0 + 6, T0 + 10)
    (explained,) = explain([hole], [ledger_fault], 1.0)
    assert explained.expected_by == expected


def test_the_latest_fault_to_start_explains_a_hole() -> None:
    """A replica restarted while a latency fault was on it since earlier: the restart explains
    its restart hole (the report must not blame the latency)."""
    latency = fault("replica-1", 1, 12).model_copy(update={"kind": "latency"})
    restart = fault("replica-1", 5, 9).model_copy(update={"kind": "replica_restart"})
    hole = Hole("fault:rolling-restart", "server", "replica-1", "restart", T0 + 6, T0 + 6)
    for ledger in ([latency, restart], [restart, latency]):
        (explained,) = explain([hole], ledger, 1.0)
        assert explained.expected_by == "replica_restart on replica-1"


# (scenario, its results written (final counts served), the client's last good scrape, the
# after-hole's expected_by), with scrapes every second
LOAD_STOPPED_CASES: dict[str, tuple[float | None, float | None, str | None]] = {
    "scraped as its results were written": (108.0, 108.0, LOAD_STOPPED),
    "scraped later": (108.0, 109.5, LOAD_STOPPED),
    "stamped early: it waited in the generator's queue": (108.0, 107.2, LOAD_STOPPED),
    "more than a scrape before: the final counts may be lost": (108.0, 106.9, None),
    "never scraped after the last answer": (108.0, None, None),
    "no last answer known": (None, 109.0, None),
}


@pytest.mark.parametrize("name", sorted(LOAD_STOPPED_CASES))
def test_the_load_generator_gone_after_its_last_answer_is_expected(name: str) -> None:
    """It stops serving its metrics once a scrape has read the final values, then exits: a
    scrape after that finds it down before the gate sees the process end (the last phase's
    end). Only when its last good scrape came at most a scrape before its results were
    written (the one that ended its lingering, handled after them): else its final counts may
    never have reached Prometheus, and the hole stays."""
    answered_until, scraped_until, expected = LOAD_STOPPED_CASES[name]
    after = Hole("baseline", "client", "client", "down", 110.0, 113.0)
    during = Hole("baseline", "client", "client", "down", 90.0, 93.0)
    replica = Hole("baseline", "server", "replica-0", "down", 110.0, 113.0)
    judged = load_generator_stopped([after, during, replica], answered_until, scraped_until, 1.0)
    assert [h.expected_by for h in judged] == [expected, None, None]

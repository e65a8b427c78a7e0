"""Where a fault phase ends (pure): when the edge saw every replica UP again plus one scrape,
then at least as long as its objectives need; the next phase starts later; notes say so."""

from __future__ import annotations

from pathlib import Path

import pytest

from slogate.chaos.ledger import Fault, FaultEvent
from slogate.config import load_config
from slogate.gate.phases import PhaseWindow
from slogate.gate.plan import plan_gate
from slogate.gate.settling import (
    Need,
    all_up_from,
    extend_fault_phases,
    needed_seconds,
    replicas_back_from,
)
from slogate.slo.evaluate import Window
from slogate.slo.prometheus import RangeSeries
from tests.gate.conftest import TEST_GATES
from tests.gate.test_plan_and_preflight import _config
from tests.support.cli import REPO

LOAD_END = 100.0


def _phases(fault_end: float = 30.0) -> list[PhaseWindow]:
    return [
        PhaseWindow("baseline", "baseline", Window(start=5, end=20), ("availability",)),
        PhaseWindow("fault:rolling-restart", "fault", Window(start=20, end=fault_end),
                    ("availability",), "rolling-restart"),
        PhaseWindow("recovery", "recovery", Window(start=fault_end, end=LOAD_END),
                    ("availability",)),
    ]  # fmt: skip


def _spans(windows: list[PhaseWindow]) -> list[tuple[str, float, float]]:
    return [(w.label, w.window.start, w.window.end) for w in windows]


def _server(*samples: tuple[float, float]) -> RangeSeries:
    return RangeSeries(labels={"server": "replica-0", "state": "UP"}, samples=list(samples))


UP_SCENARIOS = {
    "all up at once": ([_server((10, 1), (11, 1)), _server((10, 1))], 10, 10),
    "one still down at the first scrape": (
        [_server((10, 1), (11, 1), (12, 1)), _server((10, 0), (11, 0), (12, 1))], 10, 12
    ),
    "samples before `after` do not count": ([_server((5, 1), (12, 1))], 10, 12),
    "down again after being up": ([_server((10, 1), (11, 0), (12, 1))], 10.5, 12),
    "never up": ([_server((10, 0), (11, 0))], 10, None),
    "no server at all": ([], 10, None),
}  # fmt: skip


@pytest.mark.parametrize("name", UP_SCENARIOS)
def test_when_the_edge_saw_every_replica_up(name: str) -> None:
    servers, after, expected = UP_SCENARIOS[name]
    assert all_up_from(servers, after) == expected


def test_a_phase_lasts_until_the_edge_sees_the_replicas_up_plus_one_scrape() -> None:
    windows, notes = extend_fault_phases(
        _phases(), {"fault:rolling-restart": 33.0}, {}, LOAD_END, scrape_s=1.0
    )
    assert _spans(windows) == [
        ("baseline", 5, 20),
        ("fault:rolling-restart", 20, 34.0),
        ("recovery", 34.0, LOAD_END),
    ]
    (note,) = notes
    assert "until every replica was ready and UP at the edge again plus one scrape" in note
    assert "4.0 s longer than the ledger's faults" in note


def test_replicas_up_before_the_ledger_ended_change_nothing() -> None:
    windows, notes = extend_fault_phases(
        _phases(), {"fault:rolling-restart": 28.0}, {}, LOAD_END, scrape_s=1.0
    )
    assert _spans(windows) == _spans(_phases()) and notes == []


def test_a_short_phase_is_extended_to_what_its_objectives_need() -> None:
    """Restarts done in 2.3 s: the phase lasts the 13 s a PASS needs; recovery starts later."""
    need = Need(13.0, "the 2,995 requests a PASS of availability needs at 250 req/s")
    windows, notes = extend_fault_phases(
        _phases(fault_end=21.3), {"fault:rolling-restart": 21.5},
        {"fault:rolling-restart": need}, LOAD_END, scrape_s=1.0,
    )  # fmt: skip
    assert _spans(windows) == [
        ("baseline", 5, 20),
        ("fault:rolling-restart", 20, 33.0),
        ("recovery", 33.0, LOAD_END),
    ]
    assert notes[-1] == (
        "fault:rolling-restart: its faults were over after 2.5 s, shorter than its objectives "
        "need; extended to 13.0 s (the 2,995 requests a PASS of availability needs at 250 "
        "req/s); the next phase starts that much later"
    )


def test_replicas_never_back_make_the_phase_last_until_the_load_ends() -> None:
    windows, notes = extend_fault_phases(
        _phases(), {"fault:rolling-restart": None}, {}, LOAD_END, scrape_s=1.0
    )
    assert _spans(windows)[1:] == [
        ("fault:rolling-restart", 20, LOAD_END),
        ("recovery", LOAD_END, LOAD_END),
    ]
    assert notes == [
        "fault:rolling-restart: the edge did not see every replica UP again before the load "
        "ended; the phase lasts until then"
    ]


def test_an_extension_stops_at_the_next_fault() -> None:
    second = PhaseWindow("fault:pod-kill", "fault", Window(start=26, end=40), (), "pod-kill")
    windows = [*_phases(fault_end=22)[:2], second]
    extended, _ = extend_fault_phases(
        windows, {}, {"fault:rolling-restart": Need(13.0, "x")}, LOAD_END, scrape_s=1.0
    )
    assert _spans(extended)[1:] == [("fault:rolling-restart", 20, 26), ("fault:pod-kill", 26, 40)]


def _fault(kind: str, applied: float, ended: float | None) -> Fault:
    return Fault(
        fault_id=f"{kind}-{applied}", run_id="r", kind=kind, target="replica-0",
        state=FaultEvent.APPLIED if ended is None else FaultEvent.ROLLED_BACK,
        intended_at=applied, applied_at=applied, ended_at=ended, expires_at=applied + 60,
        rollback=None,
    )  # fmt: skip


def test_only_replica_kills_and_restarts_wait_for_the_edge() -> None:
    window = Window(start=20, end=40)
    restarts = [_fault("replica_restart", 21, 25), _fault("replica_restart", 25, 31)]
    assert replicas_back_from(window, [*restarts, _fault("latency", 20, 39)]) == 31
    assert replicas_back_from(window, [_fault("replica_kill", 22, None)]) == 40
    assert replicas_back_from(window, [_fault("latency", 20, 39)]) is None
    assert replicas_back_from(window, [_fault("replica_restart", 50, 55)]) is None


def test_what_the_shipped_rolling_restart_needs() -> None:
    plan = plan_gate(load_config(REPO / "slogate.yaml"), "rolling-restart", REPO / "loadtests")
    fault = PhaseWindow("fault:rolling-restart", "fault", Window(start=0, end=1),
                        tuple(plan.gate.objectives.fault), "rolling-restart")  # fmt: skip
    need = needed_seconds(plan, fault, offset_s=37, scrape_s=1.0)
    # `detect: 3x` at 99.9 %: 0.3 % errors FAILed with 90 % power over every count the phase
    # may judge (gate/detection.py) takes 24 s of 250 req/s, the phase the pre-flight promised
    assert need == Need(
        24.0,
        "the requests in which availability detects the gate's `detect: 3x` with 90 % power at "
        "250 req/s",
    )
    # without a detect promise: 2,995 requests at 250 req/s (11.98 s) plus one scrape
    plan.gate = plan.gate.model_copy(update={"detect": None})
    need = needed_seconds(plan, fault, offset_s=37, scrape_s=1.0)
    assert need == Need(13.0, "the 2,995 requests a PASS of availability needs at 250 req/s")


def test_a_padded_phase_keeps_when_its_faults_were_over() -> None:
    """Time to recover counts from the end of the disruption, not from the padding."""
    need = Need(13.0, "the 2,995 requests a PASS of availability needs at 250 req/s")
    windows, _ = extend_fault_phases(
        _phases(fault_end=21.3), {"fault:rolling-restart": 21.5},
        {"fault:rolling-restart": need}, LOAD_END, scrape_s=1.0,
    )  # fmt: skip
    assert windows[1].window.end == 33.0 and windows[1].faults_over == 22.5
    unpadded, _ = extend_fault_phases(
        _phases(), {"fault:rolling-restart": 33.0}, {}, LOAD_END, scrape_s=1.0
    )
    assert unpadded[1].faults_over is None  # the phase ends where its faults did


def test_a_loose_objective_needs_four_scrape_intervals(tmp_path: Path) -> None:
    plan = plan_gate(load_config(_config(tmp_path, TEST_GATES)), "quick-rolling-restart")
    fault = PhaseWindow("fault:rolling-restart", "fault", Window(start=0, end=1),
                        tuple(plan.gate.objectives.fault), "rolling-restart")  # fmt: skip
    assert needed_seconds(plan, fault, offset_s=10, scrape_s=1.0) == Need(4.0, "4 scrape intervals")

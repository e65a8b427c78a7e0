"""Rolling back from the ledger alone: expiry, self-healing faults, dead injectors, scoping."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from chaoslib.exceptions import ActivityFailed

from slogate.chaos.ledger import FaultEvent, FaultLedger, Rollback, new_fault_id
from slogate.chaos.rollback import roll_back_faults
from slogate.chaos.target import ChaosTarget
from slogate.platform.selection import select_count
from tests.support.waiting import free_port


@pytest.fixture
def ledger(tmp_path: Path) -> FaultLedger:
    return FaultLedger("test", path=tmp_path / "ledger.jsonl")


def _fault(
    ledger: FaultLedger, rollback: Rollback, run_id: str = "run-1", ttl_s: float = 60.0
) -> str:
    fault_id = new_fault_id()
    common = {"run_id": run_id, "fault_id": fault_id, "kind": "latency", "target": "replica-0"}
    ledger.record(FaultEvent.INTENT, ttl_s=ttl_s, rollback=rollback, **common)  # type: ignore[arg-type]
    ledger.record(FaultEvent.APPLIED, ttl_s=ttl_s, rollback=rollback, **common)  # type: ignore[arg-type]
    return fault_id


def test_a_fault_past_its_ttl_is_closed_as_expired_without_calling_its_injector(
    ledger: FaultLedger,
) -> None:
    dead = Rollback(via="target_fault", url="http://127.0.0.1:9", injector_id="x")
    fault_id = _fault(ledger, dead, ttl_s=5)
    report = roll_back_faults(ledger, "test", run_id="run-1", now=time.time() + 10)
    assert report.expired == [fault_id]
    assert report.errors == []
    assert ledger.faults()[0].state is FaultEvent.EXPIRED


def test_a_self_healing_fault_is_closed_and_a_second_pass_does_nothing(
    ledger: FaultLedger,
) -> None:
    fault_id = _fault(ledger, Rollback(via="none"))
    assert roll_back_faults(ledger, "test", run_id="run-1").closed == [fault_id]
    again = roll_back_faults(ledger, "test", run_id="run-1")
    assert (again.closed, again.expired, again.errors) == ([], [], [])
    assert ledger.open_faults() == []


def test_an_injector_that_refuses_connections_took_its_faults_with_it(
    ledger: FaultLedger,
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    fault_id = _fault(ledger, Rollback(via="supervisor_fault", url=url, injector_id="abc"))
    report = roll_back_faults(ledger, "test", run_id="run-1")
    assert report.closed == [fault_id]
    entries = ledger.entries()
    assert entries[-1].event is FaultEvent.ROLLED_BACK
    assert "not running" in entries[-1].message


def test_a_run_rolls_back_only_its_own_faults_and_the_sweep_takes_the_rest(
    ledger: FaultLedger,
) -> None:
    mine = _fault(ledger, Rollback(via="none"), run_id="run-1")
    other = _fault(ledger, Rollback(via="none"), run_id="run-0")
    assert roll_back_faults(ledger, "test", run_id="run-1").closed == [mine]
    assert [f.fault_id for f in ledger.open_faults()] == [other]
    assert roll_back_faults(ledger, "test", run_id=None).closed == [other]


def test_an_unsupported_rollback_is_reported_and_left_open(ledger: FaultLedger) -> None:
    fault_id = _fault(ledger, Rollback(via="kubernetes", url="http://127.0.0.1:9"))
    report = roll_back_faults(ledger, "test", run_id="run-1")
    assert report.closed == []
    assert fault_id in report.errors[0] and "not supported" in report.errors[0]
    assert [f.fault_id for f in ledger.open_faults()] == [fault_id]


@pytest.mark.parametrize(
    ("total", "count", "percentage", "expected"),
    [(3, 1, None, 1), (3, 5, None, 3), (3, None, 34, 2), (3, None, 100, 3), (4, None, 1, 1)],
)
def test_replicas_are_picked_by_count_or_percentage_rounded_up(
    total: int, count: int | None, percentage: float | None, expected: int
) -> None:
    assert select_count(total, count, percentage) == expected


@pytest.mark.parametrize(
    ("count", "percentage", "message"),
    [(None, None, "exactly one"), (1, 50, "exactly one"), (0, None, "at least 1"),
     (None, 150, "percentage must be")],
)  # fmt: skip
def test_a_bad_selection_fails_with_a_specific_message(
    count: int | None, percentage: float | None, message: str
) -> None:
    with pytest.raises(ActivityFailed, match=message):
        select_count(3, count, percentage)


def test_the_target_defaults_to_the_default_stack_and_a_manual_run() -> None:
    assert ChaosTarget.of(None) == ChaosTarget("default", "manual")
    assert ChaosTarget.of({"slogate_stack": "s1", "slogate_run_id": "r"}) == ChaosTarget("s1", "r")


def test_an_activity_on_a_stack_that_is_not_up_says_how_to_start_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from slogate.chaos import actions

    monkeypatch.setenv("SLOGATE_HOME", str(tmp_path))
    with pytest.raises(ActivityFailed, match="slogate up --stack nope"):
        actions.inject_latency(fixed_ms=10, configuration={"slogate_stack": "nope"})
    assert os.listdir(tmp_path) == []

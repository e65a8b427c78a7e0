"""The fault ledger: folding events into faults, torn lines, concurrent writers."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from slogate.chaos.ledger import FaultEvent, FaultLedger, Rollback, new_fault_id


@pytest.fixture
def ledger(tmp_path: Path) -> FaultLedger:
    return FaultLedger("test", path=tmp_path / "ledger.jsonl")


def _intent(ledger: FaultLedger, run_id: str = "run-1", ttl_s: float = 60) -> str:
    fault_id = new_fault_id()
    ledger.record(
        FaultEvent.INTENT,
        run_id=run_id,
        fault_id=fault_id,
        kind="latency",
        target="replica-0",
        ttl_s=ttl_s,
        rollback=Rollback(via="target_fault", url="http://127.0.0.1:1", injector_id="x"),
    )
    return fault_id


def test_a_fault_is_open_from_its_intent_until_it_is_rolled_back(ledger: FaultLedger) -> None:
    fault_id = _intent(ledger)
    assert [f.fault_id for f in ledger.open_faults()] == [fault_id]
    ledger.record(
        FaultEvent.APPLIED,
        run_id="run-1",
        fault_id=fault_id,
        kind="latency",
        target="replica-0",
        ttl_s=60,
    )
    (fault,) = ledger.open_faults()
    assert fault.state is FaultEvent.APPLIED
    assert fault.applied_at is not None and fault.applied_at >= fault.intended_at
    # the rollback descriptor from the intent survives later entries that carry none
    assert fault.rollback is not None and fault.rollback.injector_id == "x"
    ledger.record(
        FaultEvent.ROLLED_BACK,
        run_id="run-1",
        fault_id=fault_id,
        kind="latency",
        target="replica-0",
        ttl_s=60,
    )
    assert ledger.open_faults() == []
    (closed,) = ledger.faults()
    assert closed.state is FaultEvent.ROLLED_BACK
    assert closed.ended_at is not None
    assert closed.applied_at is not None
    assert closed.ended_at >= closed.applied_at


def test_a_closed_fault_stays_closed(ledger: FaultLedger) -> None:
    fault_id = _intent(ledger)
    for event in (FaultEvent.EXPIRED, FaultEvent.APPLIED):
        ledger.record(
            event, run_id="run-1", fault_id=fault_id, kind="latency", target="replica-0", ttl_s=1
        )
    (fault,) = ledger.faults()
    assert fault.state is FaultEvent.EXPIRED
    assert fault.applied_at is None


def test_faults_are_filtered_by_run(ledger: FaultLedger) -> None:
    first = _intent(ledger, run_id="run-1")
    second = _intent(ledger, run_id="run-2")
    assert [f.fault_id for f in ledger.open_faults("run-1")] == [first]
    assert [f.fault_id for f in ledger.open_faults("run-2")] == [second]
    assert len(ledger.open_faults()) == 2


def test_a_torn_last_line_is_skipped(ledger: FaultLedger) -> None:
    fault_id = _intent(ledger)
    with ledger.path.open("a") as handle:
        handle.write('{"ts": 1.0, "stack": "te')  # a writer SIGKILLed mid-line
    assert [f.fault_id for f in ledger.faults()] == [fault_id]


def test_a_missing_ledger_has_no_faults(tmp_path: Path) -> None:
    assert FaultLedger("test", path=tmp_path / "absent.jsonl").faults() == []


def _write_many(path: str, writer: int, count: int) -> None:
    ledger = FaultLedger("test", path=Path(path))
    for _ in range(count):
        ledger.record(
            FaultEvent.INTENT,
            run_id=f"writer-{writer}",
            fault_id=new_fault_id(),
            kind="errors",
            target="all-replicas",
            ttl_s=30,
            message="x" * 2000,
        )


def test_concurrent_writers_never_interleave_lines(ledger: FaultLedger) -> None:
    context = multiprocessing.get_context("spawn")
    writers = [
        context.Process(target=_write_many, args=(str(ledger.path), n, 100)) for n in range(4)
    ]
    for process in writers:
        process.start()
    for process in writers:
        process.join(timeout=60)
        assert process.exitcode == 0
    lines = ledger.path.read_text().splitlines()
    assert len(lines) == 400
    assert len(ledger.entries()) == 400  # every line parses
    for writer in range(4):
        assert len(ledger.faults(f"writer-{writer}")) == 100

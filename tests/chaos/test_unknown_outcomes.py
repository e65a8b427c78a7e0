"""The fault recorder and an apply whose outcome is unknown (OutcomeUnknown: a timeout or a
lost connection after which the server may have applied it): a fault no injector ends stays
open for the rollback; one the injector ends at its TTL is `failed`. The apply here raises at
the seam the platforms' clients raise through (the Kubernetes case against a real API server
is in tests/k8s/test_kubernetes_unknown_outcomes.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from chaoslib.exceptions import ActivityFailed

from slogate.chaos.ledger import FaultEvent, FaultLedger, Rollback
from slogate.errors import OutcomeUnknown
from slogate.platform.fault_recording import Applied, FaultRecorder


def timed_out() -> Applied:
    raise OutcomeUnknown("scaling Deployment redis to 0: read timed out")


def recorder(tmp_path: Path) -> FaultRecorder:
    return FaultRecorder(FaultLedger("test", path=tmp_path / "ledger.jsonl"), "run-1")


def test_a_fault_no_injector_ends_stays_open_when_its_apply_may_have_landed(
    tmp_path: Path,
) -> None:
    faults = recorder(tmp_path)
    rollback = Rollback(via="kubernetes_scale", detail={"replicas": 1}, ttl_at_injector=False)
    with pytest.raises(ActivityFailed) as error:
        faults.inject("dependency_kill", "redis", 60, rollback, timed_out)
    assert str(error.value) == (
        "dependency_kill of redis may have been applied (scaling Deployment redis to 0: read "
        "timed out); left open for the rollback"
    )
    (fault,) = faults.ledger.open_faults()
    assert fault.rollback is not None and fault.rollback.detail == {"replicas": 1}
    events = [entry.event for entry in faults.ledger.entries()]
    assert events == [FaultEvent.INTENT, FaultEvent.APPLIED]


def test_a_fault_its_injector_ends_is_failed_when_its_apply_may_have_landed(
    tmp_path: Path,
) -> None:
    faults = recorder(tmp_path)
    rollback = Rollback(via="none", detail={"pod": "p"})
    with pytest.raises(ActivityFailed, match="could not apply replica_kill to p: scaling"):
        faults.inject("replica_kill", "p", 60, rollback, timed_out)
    assert faults.ledger.open_faults() == []
    events = [entry.event for entry in faults.ledger.entries()]
    assert events == [FaultEvent.INTENT, FaultEvent.FAILED]

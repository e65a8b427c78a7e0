"""`slogate down` rolls back the stack's open faults before it stops the stack."""

from __future__ import annotations

from pathlib import Path

import pytest

from slogate.chaos import actions
from slogate.chaos.ledger import FaultEvent, FaultLedger
from tests.support.cli import REPO, run_cli
from tests.support.live_stack import live_stack


@pytest.mark.slow
def test_down_rolls_back_open_faults_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("SLOGATE_HOME", str(home))
    with live_stack(home, "down-rollback") as stack:
        configuration = {"slogate_stack": stack.name, "slogate_run_id": "left-behind"}
        actions.inject_latency(fixed_ms=200, ttl_s=300, configuration=configuration)
        ledger = FaultLedger(stack.name)
        open_before = ledger.open_faults("left-behind")
        assert len(open_before) == 3  # one fault per replica, each live at its injector
        assert all(stack.replica_faults().values())

        done = run_cli("down", "--stack", stack.name, env=stack.env, cwd=REPO)

        assert done.exit_code == 0, done.stderr
        for fault in open_before:
            assert f"rolled back fault {fault.fault_id}" in done.stdout
        assert ledger.open_faults() == []
        assert {f.state for f in ledger.faults("left-behind")} == {FaultEvent.ROLLED_BACK}

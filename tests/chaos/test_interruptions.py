"""The interruption matrix: SIGINT (to the process group), SIGTERM and SIGKILL delivered to
`slogate chaos` once the ledger shows its first fault applied.

Afterwards, within the fault's TTL: no fault active on any replica or at the supervisor, Redis
running and not stopped, every replica ready, no process of the run left; and the ledger holds
no open fault of the run once the next run's sweep has passed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from slogate.chaos.ledger import FaultEvent, FaultLedger
from slogate.chaos.runner import sweep
from tests.support.cli import slogate_home, stop_slogate
from tests.support.live_stack import LiveStack, interrupt, live_stack, processes_of_run
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("chaos-interruptions")]

# the experiments that inject faults, and the longest TTL among their faults
FAULT_EXPERIMENTS = {
    "pod-kill": 3,
    "latency-injection": 30,
    "error-injection": 30,
    "dependency-outage": 20,
    "graceful-shutdown": 40,
    "rolling-restart": 45,
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    with live_stack(tmp_path_factory.mktemp("interruptions"), "chaos-interrupt") as live:
        yield live


@pytest.fixture
def ledger(stack: LiveStack) -> Iterator[FaultLedger]:
    with slogate_home(stack.home):
        yield FaultLedger(stack.name)


def _applied(ledger: FaultLedger, run_id: str) -> bool:
    return any(e.run_id == run_id and e.event is FaultEvent.APPLIED for e in ledger.entries())


@pytest.mark.parametrize("how", ["sigint", "sigterm", "sigkill"])
@pytest.mark.parametrize("experiment", list(FAULT_EXPERIMENTS))
def test_an_interrupted_experiment_leaves_nothing_behind(
    stack: LiveStack, ledger: FaultLedger, experiment: str, how: str, tmp_path: Path
) -> None:
    run_id = f"{experiment}-{how}"
    process = stack.chaos(
        experiment, "--no-load", "--skip-steady-state", "--run-dir", str(tmp_path), run_id=run_id
    )
    try:
        wait_until(lambda: _applied(ledger, run_id), timeout=60, interval=0.02, what="applied")
        interrupted_at = time.monotonic()
        interrupt(process, how)
        output, _ = process.communicate(timeout=60)
    finally:
        stop_slogate(process)
    if how == "sigkill":
        assert process.returncode == -9
    else:
        assert process.returncode == 130, output
        assert "INTERRUPTED" in output
        assert ledger.open_faults(run_id) == []  # rolled back before slogate exited
    ttl = FAULT_EXPERIMENTS[experiment]
    remaining = max(5.0, ttl + 5 - (time.monotonic() - interrupted_at))
    wait_until(lambda: processes_of_run(run_id) == [], timeout=30, what="no process of the run")
    wait_until(stack.clean, timeout=remaining, interval=0.2, what="no fault, Redis up, ready")
    sweep(FaultLedger(stack.name), lambda line: None)
    assert ledger.open_faults() == []

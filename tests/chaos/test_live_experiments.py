"""Each experiment passes against the reference target, and a weakened target fails them.

Real stacks (`slogate up` in a tmp SLOGATE_HOME), real background load, real Chaos Toolkit.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from slogate.chaos.ledger import FaultLedger
from tests.support import abrupt_target
from tests.support.cli import slogate_home, stop_slogate
from tests.support.live_stack import LiveStack, live_stack, processes_of_run
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow

EXPERIMENTS = [
    "pod-kill",
    "latency-injection",
    "error-injection",
    "dependency-outage",
    "rolling-restart",
    "graceful-shutdown",
]
# No drain, no shutdown delay, no fallback cache and a breaker that never opens.
WEAKENED_ENV = {
    "TARGET_SHUTDOWN_DELAY_S": "0",
    "TARGET_DRAIN_TIMEOUT_S": "0",
    "TARGET_FALLBACK_CACHE_SIZE": "0",
    "TARGET_BREAKER_FAILURE_THRESHOLD": "10000",
}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    with live_stack(tmp_path_factory.mktemp("reference"), "chaos-reference") as stack:
        yield stack


@pytest.fixture(scope="module")
def weakened(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    with live_stack(tmp_path_factory.mktemp("weakened"), "chaos-weakened", WEAKENED_ENV) as stack:
        yield stack


@pytest.fixture(scope="module")
def behind_fault_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    """The reference target behind Toxiproxy (`faults: toxiproxy`), the edge retrying."""
    home = tmp_path_factory.mktemp("fault-proxy")
    with live_stack(home, "chaos-fault-proxy", sections={"faults": "toxiproxy"}) as stack:
        yield stack


@pytest.fixture(scope="module")
def no_retries_behind_fault_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    """The same with an edge that retries nothing (`edge.retries: none`), like a plain
    Kubernetes Service: weakened where the partition experiment looks."""
    home = tmp_path_factory.mktemp("fault-proxy-no-retries")
    sections = {"faults": "toxiproxy", "edge": {"retries": "none"}}
    with live_stack(home, "chaos-fault-proxy-no-retries", sections=sections) as stack:
        yield stack


@pytest.fixture(scope="module")
def abrupt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    """The reference app wrapped to exit at once on SIGTERM (tests/support/abrupt_target.py)."""
    home = tmp_path_factory.mktemp("abrupt")
    with live_stack(home, "chaos-abrupt", service=abrupt_target.SERVICE) as stack:
        yield stack


def _run(stack: LiveStack, experiment: str, run_dir: Path) -> tuple[int, str, dict[str, object]]:
    run_id = f"{stack.name}-{experiment}"
    process = stack.chaos(experiment, "--run-dir", str(run_dir), run_id=run_id)
    try:
        output, _ = process.communicate(timeout=240)
    finally:
        stop_slogate(process)
    journal = json.loads((run_dir / "journal.json").read_text())
    # whatever the verdict: nothing of the run is left, no fault is open or active
    assert processes_of_run(run_id) == []
    with slogate_home(stack.home):
        assert FaultLedger(stack.name).open_faults(run_id) == []
    wait_until(stack.clean, timeout=30, interval=0.2, what="no fault, Redis up, replicas ready")
    return process.returncode, output, journal


@pytest.mark.xdist_group("chaos-reference")
@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_each_experiment_passes_against_the_reference_target(
    reference: LiveStack, experiment: str, tmp_path: Path
) -> None:
    code, output, journal = _run(reference, experiment, tmp_path / "run")
    assert code == 0, output
    assert f"{experiment}: PASS" in output
    assert journal["status"] == "completed" and journal["deviated"] is False
    assert journal["steady_states"]["before"]["steady_state_met"] is True  # type: ignore[index]


@pytest.mark.xdist_group("chaos-weakened")
@pytest.mark.parametrize(
    "experiment",
    [
        "graceful-shutdown",  # no drain: in-flight writes are cut
        "dependency-outage",  # no breaker, no fallback: reads fail while Redis is down
    ],
)
def test_a_weakened_target_fails_the_experiment_that_checks_the_weakness(
    weakened: LiveStack, experiment: str, tmp_path: Path
) -> None:
    code, output, journal = _run(weakened, experiment, tmp_path / "run")
    assert code == 1, output
    assert "FAIL (deviated)" in output
    assert journal["deviated"] is True
    assert journal["steady_states"]["before"]["steady_state_met"] is True  # type: ignore[index]


@pytest.mark.xdist_group("chaos-abrupt")
def test_a_target_that_exits_at_once_on_sigterm_fails_graceful_shutdown(
    abrupt: LiveStack, tmp_path: Path
) -> None:
    """Built in the test (a wrapper, not the reference's own settings): its in-flight requests
    are cut, and the edge's count of what it absorbed shows it."""
    code, output, journal = _run(abrupt, "graceful-shutdown", tmp_path / "run")
    assert code == 1, output
    assert "FAIL (deviated)" in output
    assert journal["deviated"] is True
    after = journal["steady_states"]["after"]["probes"]  # type: ignore[index]
    failed = {p["activity"]["name"] for p in after if not p["tolerance_met"]}
    assert "edge-absorbed-no-cut-requests" in failed


@pytest.mark.xdist_group("chaos-fault-proxy")
def test_network_partition_passes_when_the_edge_routes_around_the_cut_replica(
    behind_fault_proxy: LiveStack, tmp_path: Path
) -> None:
    code, output, journal = _run(behind_fault_proxy, "network-partition", tmp_path / "run")
    assert code == 0, output
    assert "network-partition: PASS" in output
    assert journal["status"] == "completed" and journal["deviated"] is False
    (action,) = [r for r in journal["run"] if r["activity"]["type"] == "action"]  # type: ignore[union-attr]
    assert action["output"] == ["replica-0"]


@pytest.mark.xdist_group("chaos-fault-proxy")
def test_network_partition_fails_an_edge_that_does_not_route_around_it(
    no_retries_behind_fault_proxy: LiveStack, tmp_path: Path
) -> None:
    code, output, journal = _run(
        no_retries_behind_fault_proxy, "network-partition", tmp_path / "run"
    )
    assert code == 1, output
    assert "FAIL (deviated)" in output
    after = journal["steady_states"]["after"]["probes"]  # type: ignore[index]
    failed = {p["activity"]["name"] for p in after if not p["tolerance_met"]}
    assert failed == {"client-error-rate-under-1pct"}  # the replica itself stayed ready

"""`rolling-restart` measures the claim it is named after: a replica that cuts its in-flight
requests at SIGTERM fails it, even when the edge's retries hide every cut request from the
clients; the reference target, which drains, passes.

Real stacks, real load, the shipped rolling-restart experiment. The weakened target is built
here (tests/support/abrupt_target.py: the reference app with a SIGTERM handler that exits at
once), not a flag of the reference service.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.gate.conftest import Project
from tests.support import abrupt_target

pytestmark = pytest.mark.slow


def _absorbed(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        phase["phase"]: result
        for phase in report["phases"]
        for result in phase["results"]
        if result["objective"] == "edge-absorbed-nothing"
    }


@pytest.mark.xdist_group("rolling-restart-abrupt")
def test_a_target_that_exits_at_once_on_sigterm_fails_rolling_restart(project: Project) -> None:
    project.serve(abrupt_target.SERVICE)
    done = project.run("quick-rolling-restart")
    assert done.returncode == 1, done.stdout
    report = project.report()
    absorbed = _absorbed(report)
    fault = absorbed["fault:rolling-restart"]
    assert fault["verdict"] == "FAIL" and fault["gating"] is True
    assert fault["evidence"]["bad"] >= 1 and fault["evidence"]["threshold"] == 0
    assert "the edge absorbed" in fault["reason"]
    assert absorbed["baseline"]["verdict"] == "PASS"
    assert report["config"]["edge_retries"] == "ingress"


@pytest.mark.xdist_group("rolling-restart-reference")
def test_the_reference_target_passes_rolling_restart(project: Project) -> None:
    done = project.run("quick-rolling-restart")
    assert done.returncode == 0, done.stdout
    report = project.report()
    assert {phase: r["verdict"] for phase, r in _absorbed(report).items()} == {
        "baseline": "PASS",
        "fault:rolling-restart": "PASS",
        "recovery": "PASS",
    }
    restarts = [f for f in report["faults"] if f["kind"] == "replica_restart"]
    assert sorted(f["target"] for f in restarts) == ["replica-0", "replica-1", "replica-2"]

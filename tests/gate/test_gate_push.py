"""`slogate run GATE --pushgateway URL` end to end, on the cheapest run that writes a report (a
service that cannot start: exit 4 after about 10 s): its verdict reaches a real Pushgateway
(Debian's prometheus-pushgateway), and a push that fails is reported while the exit code stays
the verdict's. The metrics of PASS, FAIL and partial runs are read back from a real
Pushgateway in tests/report/test_pushgateway.py."""

from __future__ import annotations

import time

import pytest

from tests.gate.conftest import Project
from tests.support.pushgateway import running_pushgateway
from tests.support.waiting import free_port

pytestmark = pytest.mark.slow


@pytest.fixture
def broken(project: Project) -> Project:
    project.serve({"command": ["false"], "seed_command": None})
    return project


def test_the_verdict_is_pushed(broken: Project) -> None:
    with running_pushgateway() as gateway:
        done = broken.run("quick-smoke", "--pushgateway", gateway.url, timeout=120)
        assert done.returncode == 4, done.stdout
        assert f"verdict pushed to {gateway.url} (job slogate, gate quick-smoke)" in done.stdout
        gate = {"gate": "quick-smoke", "job": "slogate"}
        assert gateway.value("slogate_gate_verdict", **gate, verdict="infrastructure_failure") == 1
        assert gateway.value("slogate_gate_verdict", **gate, verdict="pass") == 0
        assert gateway.value("slogate_gate_exit_code", **gate) == 4
        ended = gateway.value("slogate_gate_last_run_timestamp_seconds", **gate)
        assert ended == broken.report()["ended_at"] and ended <= time.time()


def test_a_failed_push_is_reported_and_leaves_the_exit_code(broken: Project) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nobody listens there
    done = broken.run("quick-smoke", "--pushgateway", url, timeout=120)
    assert done.returncode == 4, done.stdout
    assert f"warning: pushing the verdict to {url} failed:" in done.stdout
    assert "the exit code is the verdict's" in done.stdout
    assert broken.report()["exit_code"] == 4

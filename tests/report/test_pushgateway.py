"""A gate's verdict pushed to a real Pushgateway (Debian's prometheus-pushgateway on a free
port) and read back from its /metrics: the gate's outcome, exit code, end time and every
objective's verdict; each push replacing the gate's group; failures reported, with a timeout."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from slogate.report.model import RunReport
from slogate.report.pushgateway import push_verdict
from slogate.slo.stats import Verdict
from tests.report import scenarios
from tests.support.pushgateway import Pushgateway, running_pushgateway
from tests.support.waiting import free_port

SILENT_TIMEOUT_S = 0.5


@pytest.fixture(scope="module")
def pushgateway() -> Iterator[Pushgateway]:
    with running_pushgateway() as gateway:
        yield gateway


def as_gate(report: RunReport, gate: str) -> RunReport:
    return report.model_copy(update={"gate": gate})


def test_a_failing_run_is_read_back_with_its_verdicts(pushgateway: Pushgateway) -> None:
    report = as_gate(scenarios.failing_regression(), "regression-a")
    pushed = push_verdict(pushgateway.url, report)
    assert pushed.ok, pushed.detail
    gate = {"gate": "regression-a", "job": "slogate"}
    verdicts = {
        dict(labels)["verdict"]: value
        for labels, value in pushgateway.samples("slogate_gate_verdict").items()
        if dict(labels)["gate"] == "regression-a"
    }
    assert verdicts == {
        "pass": 0, "fail": 1, "inconclusive": 0, "bad_input": 0,
        "infrastructure_failure": 0, "interrupted": 0,
    }  # fmt: skip
    assert pushgateway.value("slogate_gate_exit_code", **gate) == 1
    assert pushgateway.value("slogate_gate_partial", **gate) == 0
    assert pushgateway.value("slogate_gate_last_run_timestamp_seconds", **gate) == report.ended_at
    assert pushgateway.value("slogate_gate_duration_seconds", **gate) == report.duration_s
    # every judged result: 1 for its verdict, 0 for the other two
    results = report.phase_results()
    assert any(result.verdict is Verdict.FAIL for _, result in results)
    for phase, result in results:
        where = {**gate, "phase": phase, "objective": result.objective, "place": result.place}
        for state in Verdict:
            value = pushgateway.value("slogate_objective_verdict", **where, verdict=state.value)
            assert value == (1 if result.verdict is state else 0), (phase, result, state)


def test_a_partial_run_says_so(pushgateway: Pushgateway) -> None:
    report = as_gate(scenarios.partial_interrupted(), "partial-b")
    assert push_verdict(pushgateway.url, report).ok
    labels = {"gate": "partial-b", "job": "slogate"}
    assert pushgateway.value("slogate_gate_verdict", **labels, verdict="interrupted") == 1
    assert pushgateway.value("slogate_gate_exit_code", **labels) == 130
    assert pushgateway.value("slogate_gate_partial", **labels) == 1


def test_each_push_replaces_the_gates_group(pushgateway: Pushgateway) -> None:
    """A later PASS replaces an earlier FAIL; an objective the later run did not judge goes."""
    failing = as_gate(scenarios.failing_regression(), "replaced-c")
    passing = as_gate(scenarios.passing_smoke(), "replaced-c")
    assert push_verdict(pushgateway.url, failing).ok
    assert push_verdict(pushgateway.url, passing).ok
    gate = {"gate": "replaced-c", "job": "slogate"}
    assert pushgateway.value("slogate_gate_verdict", **gate, verdict="pass") == 1
    assert pushgateway.value("slogate_gate_verdict", **gate, verdict="fail") == 0
    phases = {
        dict(labels)["phase"]
        for labels in pushgateway.samples("slogate_objective_verdict")
        if dict(labels)["gate"] == "replaced-c"
    }
    assert phases == {phase for phase, _ in passing.phase_results()}
    assert not any(p.startswith("fault") for p in phases)


def test_an_unreachable_pushgateway_is_reported_not_raised() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    pushed = push_verdict(url, scenarios.passing_smoke())
    assert not pushed.ok
    assert pushed.detail.startswith(f"pushing the verdict to {url} failed:")
    assert "Connection refused" in pushed.detail


def test_a_pushgateway_that_never_answers_times_out() -> None:
    """A listener that accepts and never answers: the push gives up after its timeout."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        began = time.monotonic()
        pushed = push_verdict(url, scenarios.passing_smoke(), timeout_s=SILENT_TIMEOUT_S)
        took = time.monotonic() - began
    assert not pushed.ok
    assert "timed out" in pushed.detail
    assert SILENT_TIMEOUT_S <= took < SILENT_TIMEOUT_S + 2

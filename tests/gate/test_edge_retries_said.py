"""A real stack whose replicas fail clinic reads (the shipped error-injection experiment: 10 %
503s at every replica) behind the HAProxy edge that retries idempotent requests on another
replica: the server counts the errors, the client and the edge see far fewer, and the report
says so beside the counts (reconciliation table, notes, availability verdicts)."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from slogate.report.html import to_html
from slogate.report.model import RunReport
from tests.gate.conftest import Project, project_with

pytestmark = pytest.mark.slow

GATE = {
    "load": {"profile": "smoke", "rate": 60, "duration_s": 26},
    "warmup_s": 3,
    "experiments": [{"experiment": "error-injection", "at_s": 8, "fault_s": 10}],
    "recovery_s": 6,
    "objectives": {"fault": ["error-rate-under-1pct"]},
}


@pytest.fixture
def retrying_project(tmp_path: Path) -> Project:
    return project_with(tmp_path, {"retried": GATE})


def test_errors_the_edge_retried_are_said_beside_the_counts(retrying_project: Project) -> None:
    done = retrying_project.run("retried", timeout=180)
    assert done.returncode in (0, 1), done.stdout  # the server's share may breach; no harness issue
    # the pre-flight said what the fault phase can detect before anything started
    preflight = done.stdout.index("pre-flight: fault:error-injection: error-rate-under-1pct: ")
    assert preflight < done.stdout.index("stack ready")
    report = RunReport.model_validate(retrying_project.report())
    assert [d.phase for d in report.detection] == ["fault:error-injection"]
    fault = next(c for c in report.client_server if c.in_fault)
    assert fault.server_errors and fault.client_errors is not None
    assert fault.client_errors * 2 <= fault.server_errors, fault
    retried = fault.errors_edge_retried
    assert retried is not None and retried > 0
    said = f"the edge retried {retried:,} of the server's {fault.server_errors:,} errors"
    assert any(said in note for note in report.notes), report.notes
    assert said in done.stdout  # the terminal summary, beside the counts
    assert said in html.unescape(to_html(report))
    judged = [r for p in report.phases if p.phase == fault.phase for r in p.results]
    server = next(r for r in judged if r.place == "server")
    assert server.evidence.bad == fault.server_errors

"""junit.xml (one test case per objective and phase) and summary.md."""

from __future__ import annotations

import html
from xml.etree import ElementTree as ET

import pytest

from slogate.report.html import to_html
from slogate.report.junit import to_junit
from slogate.report.model import RunStatus
from slogate.report.summary import to_markdown
from slogate.slo.stats import Verdict
from tests.report.scenarios import SCENARIOS


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_junit_has_one_case_per_objective_place_and_phase(name):
    report = SCENARIOS[name]()
    root = ET.fromstring(to_junit(report))
    pairs = report.phase_results()
    partial = report.status is RunStatus.PARTIAL
    cases = root.findall(".//testcase")
    assert len(cases) == len(pairs) + partial
    expected_names = [f"{phase}: {r.objective} @ {r.place}" for phase, r in pairs]
    assert [c.get("name") for c in cases][: len(pairs)] == expected_names
    fails = sum(r.gating and r.verdict is Verdict.FAIL for _, r in pairs)
    inconclusive = sum(r.gating and r.verdict is Verdict.INCONCLUSIVE for _, r in pairs)
    assert len(root.findall(".//testcase/failure")) == fails
    assert len(root.findall(".//testcase/error")) == inconclusive + partial
    suites = root.findall("testsuite")
    assert sum(int(s.get("failures", "0")) for s in suites) == fails
    assert sum(int(s.get("errors", "0")) for s in suites) == inconclusive + partial
    assert sum(int(s.get("tests", "0")) for s in suites) == len(cases)


def test_a_junit_failure_carries_the_evidence():
    root = ET.fromstring(to_junit(SCENARIOS["failing_regression"]()))
    (suite,) = [s for s in root.findall("testsuite") if s.get("name") == "regression.fault"]
    assert (suite.get("failures"), suite.get("errors"), suite.get("time")) == ("4", "0", "15")
    failure = suite.find("testcase[@name='fault: p95-under-500ms @ server']/failure")
    assert failure is not None
    assert failure.get("type") == "SLOBreached"
    assert failure.get("message", "").startswith("540 slower than 0.5 s of 4,500 (12.0000%)")
    assert "PromQL: last_over_time(http_request_duration_seconds_bucket" in (failure.text or "")


def test_an_inconclusive_objective_is_a_junit_error():
    root = ET.fromstring(to_junit(SCENARIOS["inconclusive"]()))
    errors = root.findall(".//testcase/error")
    assert [e.get("type") for e in errors] == ["Inconclusive", "Inconclusive"]
    assert "no data: no series matches" in errors[1].get("message", "")


def test_a_partial_run_is_a_junit_error():
    root = ET.fromstring(to_junit(SCENARIOS["partial_interrupted"]()))
    error = root.find(".//testcase[@name='run complete']/error")
    assert error is not None
    assert error.get("message") == "partial run: interrupted (SIGINT) during fault"


def test_non_gating_results_never_fail_the_junit():
    report = SCENARIOS["failing_regression"]()
    for phase in report.phases:
        for result in phase.results:
            result.gating = False
    root = ET.fromstring(to_junit(report))
    assert root.findall(".//failure") == [] and root.findall(".//error") == []
    assert all("(not gating:" in (c.get("name") or "") for c in root.findall(".//testcase"))


def test_summary_leads_with_the_outcome_and_lists_every_verdict():
    report = SCENARIOS["failing_regression"]()
    text = to_markdown(report)
    lines = text.splitlines()
    assert lines[0] == "## slogate `regression`: FAIL (exit 1)"
    assert "21 gating verdicts: 17 PASS, 4 FAIL." in lines[2]
    rows = [line for line in lines if line.startswith("| ✅") or line.startswith("| ❌")]
    assert len(rows) == 21
    assert sum(row.startswith("| ❌ | fault | p9") for row in rows) == 4
    assert "| latency | availability | 6.1 s | PASS |" in text
    assert len(text) < 64_000  # well under GitHub's 1 MiB step summary limit


def test_summary_marks_partial_runs_and_client_only_errors():
    partial = to_markdown(SCENARIOS["partial_interrupted"]())
    assert partial.startswith(
        "## slogate `latency`: INTERRUPTED (partial: interrupted (SIGINT) during fault) (exit 130)"
    )
    assert "> **Partial run**: interrupted (SIGINT) during fault." in partial
    pod_kill = to_markdown(SCENARIOS["passing_pod_kill"]())
    assert "- fault: 22 client errors the server never saw" in pod_kill


@pytest.mark.parametrize("retries", ["ingress", "none"])
def test_the_edge_retry_policy_heads_summary_and_page(retries):
    report = SCENARIOS["passing_smoke"]()
    report = report.model_copy(update={"config": {**report.config, "edge_retries": retries}})
    said = {
        "ingress": "edge retries: ingress (the edge retries failed idempotent requests on "
        "another replica, like an ingress)",
        "none": "edge retries: none (the edge retries nothing, like a plain Kubernetes Service)",
    }[retries]
    lines = to_markdown(report).splitlines()
    assert lines[4] == f"E{said[1:]}."
    page = to_html(report)
    header = page[page.index('<p class="sub">') : page.index('<section id="verdict">')]
    assert html.escape(said, quote=False) in header


def test_a_report_without_a_retry_policy_says_nothing_of_it():
    report = SCENARIOS["passing_smoke"]()
    assert "edge retries" not in to_markdown(report).lower()
    assert "edge retries" not in to_html(report)

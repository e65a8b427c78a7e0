"""Exit codes from verdicts and the report formats (pure)."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import pytest

from slogate.errors import ExitCode
from slogate.slo.evaluate import CheckReport, Evidence, ObjectiveResult, Window, exit_code_of
from slogate.slo.output import to_json, to_junit, to_markdown
from slogate.slo.stats import Verdict

P, F, N = Verdict.PASS, Verdict.FAIL, Verdict.INCONCLUSIVE


def _result(verdict: Verdict, gating: bool = True, name: str = "o") -> ObjectiveResult:
    return ObjectiveResult(
        objective=name, sli="availability", place="server", gating=gating, verdict=verdict,
        reason=f"{verdict.value} because", evidence=Evidence(queries=["sum(x)"]),
    )  # fmt: skip


CODES = [
    ("all pass", [P, P], ExitCode.OK),
    ("a breach beats an inconclusive neighbour", [P, N, F], ExitCode.BREACHED),
    ("inconclusive is never OK", [P, N], ExitCode.INCONCLUSIVE),
    ("nothing to judge", [], ExitCode.OK),
]


@pytest.mark.parametrize(("verdicts", "code"), [c[1:] for c in CODES], ids=[c[0] for c in CODES])
def test_exit_code_of(verdicts, code):
    assert exit_code_of([_result(v) for v in verdicts]) is code


def test_non_gating_results_never_set_the_exit_code():
    assert (
        exit_code_of([_result(P), _result(F, gating=False), _result(N, gating=False)])
        is ExitCode.OK
    )


def _report() -> CheckReport:
    return CheckReport(
        slo="s", prometheus_url="http://p", window=Window(start=0, end=60), scrape_interval_s=1,
        results=[_result(P, name="a"), _result(F, name="b"), _result(N, name="c"),
                 _result(F, gating=False, name="d")],
    )  # fmt: skip


def test_junit_failure_error_and_non_gating():
    suite = ET.fromstring(to_junit(_report())).find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "1", "1")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert cases["b @ server"].find("failure") is not None
    error = cases["c @ server"].find("error")
    assert error is not None and "PromQL: sum(x)" in (error.text or "")
    assert cases["d @ server (not gating: FAIL)"].find("failure") is None


def test_json_and_markdown_carry_the_exit_code():
    assert json.loads(to_json(_report()))["exit_code"] == 1
    markdown = to_markdown(_report())
    assert markdown.startswith("## SLO s: BREACHED (exit 1)")
    assert "| d | server | FAIL (not gating) |" in markdown

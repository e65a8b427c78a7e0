"""The files of `slogate check`: JSON, JUnit XML and Markdown (pure)."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from slogate.report.check import to_json, to_junit, to_markdown
from slogate.slo.evaluate import CheckReport, Window
from tests.slo.test_exit_code import F, N, P, result


def _report() -> CheckReport:
    return CheckReport(
        slo="s", prometheus_url="http://p", window=Window(start=0, end=60), scrape_interval_s=1,
        results=[result(P, name="a"), result(F, name="b"), result(N, name="c"),
                 result(F, gating=False, name="d")],
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

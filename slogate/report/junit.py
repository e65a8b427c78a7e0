"""junit.xml of a run: one test suite per phase, one test case per objective and place.

FAIL is a <failure>, INCONCLUSIVE an <error> (via slogate.slo.output.add_junit_case). A partial
run adds an <error> case `run complete`, so a CI never reads an interrupted run as green.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from slogate.report.model import RunReport, RunStatus
from slogate.slo.output import add_junit_case
from slogate.slo.stats import Verdict


def to_junit(report: RunReport) -> str:
    suites = ET.Element("testsuites", name=f"slogate.{report.gate}")
    for phase in report.phases:
        results = phase.results
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=f"{report.gate}.{phase.phase}",
            tests=str(len(results)),
            failures=str(sum(r.gating and r.verdict is Verdict.FAIL for r in results)),
            errors=str(sum(r.gating and r.verdict is Verdict.INCONCLUSIVE for r in results)),
            time=f"{phase.window.seconds:g}",
        )
        for result in results:
            add_junit_case(suite, f"{report.gate}.{phase.phase}", result, prefix=f"{phase.phase}: ")
    if report.status is RunStatus.PARTIAL:
        suite = ET.SubElement(
            suites, "testsuite", name=f"{report.gate}.run", tests="1", failures="0", errors="1"
        )
        case = ET.SubElement(suite, "testcase", classname=f"{report.gate}.run", name="run complete")
        reason = f"partial run: {report.partial_reason}"
        ET.SubElement(
            case, "error", message=reason, type="PartialRun"
        ).text = f"{reason}; exit code {int(report.exit_code)}"
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"

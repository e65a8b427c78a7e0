"""junit.xml of a run: one test suite per phase, one test case per objective and place.

FAIL is a <failure>, INCONCLUSIVE an <error> (via slogate.slo.output.add_junit_suite). A partial
run adds an <error> case `run complete`, so a CI never reads an interrupted run as green.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from slogate.report.model import RunReport, RunStatus
from slogate.slo.output import add_junit_suite


def to_junit(report: RunReport) -> str:
    suites = ET.Element("testsuites", name=f"slogate.{report.gate}")
    for phase in report.phases:
        name = f"{report.gate}.{phase.phase}"
        add_junit_suite(suites, name, phase.results, phase.window.seconds, f"{phase.phase}: ")
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

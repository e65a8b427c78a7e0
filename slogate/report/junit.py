"""JUnit XML: one test case per objective and place. FAIL is a <failure>, INCONCLUSIVE an
<error> (so no CI reads missing evidence as green), the evidence in the message; non-gating
results carry their verdict in the name but are never failures or errors; an objective the
platform cannot measure is <skipped> with the reason.

junit.xml of a run has one test suite per phase; a partial run adds an <error> case
`run complete`, so a CI never reads an interrupted run as green.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from slogate.report.evidence import describe
from slogate.report.model import RunReport, RunStatus
from slogate.slo.evaluate import ObjectiveResult
from slogate.slo.stats import Verdict


def _add_case(
    suite: ET.Element, classname: str, result: ObjectiveResult, prefix: str = ""
) -> ET.Element:
    """One <testcase> for a result: FAIL a <failure>, INCONCLUSIVE an <error> (when gating)."""
    name = f"{prefix}{result.objective} @ {result.place}"
    if not result.measurable:
        case = ET.SubElement(suite, "testcase", classname=classname, name=name)
        ET.SubElement(case, "skipped", message=result.reason)
        return case
    if not result.gating:
        name += f" (not gating: {result.verdict.value})"
    case = ET.SubElement(suite, "testcase", classname=classname, name=name)
    message = describe(result)
    if result.gating and result.verdict is Verdict.FAIL:
        ET.SubElement(case, "failure", message=result.reason, type="SLOBreached").text = message
    elif result.gating and result.verdict is Verdict.INCONCLUSIVE:
        ET.SubElement(case, "error", message=result.reason, type="Inconclusive").text = message
    else:
        ET.SubElement(case, "system-out").text = message
    return case


def add_junit_suite(
    parent: ET.Element, name: str, results: list[ObjectiveResult], seconds: float, prefix: str = ""
) -> ET.Element:
    """A <testsuite> `name` of one case per result, counting gating FAILs as failures and
    gating INCONCLUSIVEs as errors."""
    suite = ET.SubElement(
        parent,
        "testsuite",
        name=name,
        tests=str(len(results)),
        skipped=str(sum(not r.measurable for r in results)),
        failures=str(sum(r.gating and r.verdict is Verdict.FAIL for r in results)),
        errors=str(sum(r.gating and r.verdict is Verdict.INCONCLUSIVE for r in results)),
        time=f"{seconds:g}",
    )
    for result in results:
        _add_case(suite, name, result, prefix=prefix)
    return suite


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

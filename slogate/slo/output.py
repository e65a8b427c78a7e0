"""Outputs of `slogate check`: a terminal table, JSON, JUnit XML and Markdown.

JUnit: one test case per objective and place; FAIL is a <failure>, INCONCLUSIVE an <error> (so
no CI reads missing evidence as green); the evidence is in the message. Non-gating results are
reported with their verdict in the name but never as failures or errors.
"""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

from rich.console import Console
from rich.table import Table

from slogate.slo.evaluate import CheckReport, ObjectiveResult
from slogate.slo.stats import Verdict

STYLE = {Verdict.PASS: "green", Verdict.FAIL: "red", Verdict.INCONCLUSIVE: "yellow"}


def _quantiles(result: ObjectiveResult) -> str:
    parts = []
    for name, q in result.evidence.quantiles.items():
        upper = "+Inf" if q.upper is None else f"{q.upper:g}"
        parts.append(f"{name} in ({q.lower:g}, {upper}] s")
    return "; ".join(parts)


def _budget(result: ObjectiveResult) -> str:
    budget = result.evidence.budget
    if budget is None:
        return ""
    return (
        f"budget consumed {budget.consumed:.1%}, remaining {budget.remaining:.1%}, "
        f"burn rate {budget.burn_rate:.2f}x"
    )


def describe(result: ObjectiveResult) -> str:
    """One paragraph of evidence for a result (JUnit messages, Markdown)."""
    lines = [f"{result.verdict.value}: {result.reason}"]
    for extra in (_budget(result), _quantiles(result)):
        if extra:
            lines.append(extra)
    if result.evidence.queries:
        lines.append("PromQL: " + " | ".join(result.evidence.queries))
    return "\n".join(lines)


def print_table(report: CheckReport, console: Console | None = None) -> None:
    if console is None:
        console = Console()
        if not console.is_terminal:  # CI logs: do not fold the evidence at 80 columns
            console = Console(width=200)
    table = Table(title=f"SLO {report.slo}: {report.window.seconds:g} s window")
    for column in ("objective", "at", "verdict", "evidence", "budget / quantiles"):
        table.add_column(column, overflow="fold")
    for result in report.results:
        verdict = f"[{STYLE[result.verdict]}]{result.verdict.value}[/]"
        if not result.gating:
            verdict += " (not gating)"
        extra = "\n".join(x for x in (_budget(result), _quantiles(result)) if x)
        table.add_row(result.objective, result.place, verdict, result.reason, extra)
    console.print(table)
    console.print(f"exit code {int(report.exit_code)} ({report.exit_code.name})")


def to_json(report: CheckReport) -> str:
    data = report.model_dump(mode="json")
    data["exit_code"] = int(report.exit_code)
    return json.dumps(data, indent=2)


def add_junit_case(
    suite: ET.Element, classname: str, result: ObjectiveResult, prefix: str = ""
) -> ET.Element:
    """One <testcase> for a result: FAIL a <failure>, INCONCLUSIVE an <error> (when gating)."""
    name = f"{prefix}{result.objective} @ {result.place}"
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
        failures=str(sum(r.gating and r.verdict is Verdict.FAIL for r in results)),
        errors=str(sum(r.gating and r.verdict is Verdict.INCONCLUSIVE for r in results)),
        time=f"{seconds:g}",
    )
    for result in results:
        add_junit_case(suite, name, result, prefix=prefix)
    return suite


def to_junit(report: CheckReport) -> str:
    suites = ET.Element("testsuites")
    add_junit_suite(suites, f"slo.{report.slo}", report.results, report.window.seconds)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)


def to_markdown(report: CheckReport) -> str:
    lines = [
        f"## SLO {report.slo}: {report.exit_code.name} (exit {int(report.exit_code)})",
        "",
        f"Window: {report.window.seconds:g} s from {report.window.start:.3f} to "
        f"{report.window.end:.3f} (unix s); Prometheus {report.prometheus_url}.",
        "",
        "| objective | at | verdict | evidence | budget | quantiles |",
        "|---|---|---|---|---|---|",
    ]
    lines += [markdown_row(r) for r in report.results]
    return "\n".join(lines) + "\n"


def markdown_row(result: ObjectiveResult, *leading: str) -> str:
    """A table row: leading cells, objective, at, verdict, evidence, budget, quantiles."""
    verdict = result.verdict.value + ("" if result.gating else " (not gating)")
    cells = [*leading, result.objective, result.place, verdict, result.reason]
    cells += [_budget(result), _quantiles(result)]
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def write_outputs(
    report: CheckReport,
    json_path: Path | None = None,
    junit_path: Path | None = None,
    markdown_path: Path | None = None,
) -> None:
    for path, render in (
        (json_path, to_json),
        (junit_path, to_junit),
        (markdown_path, to_markdown),
    ):
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render(report))

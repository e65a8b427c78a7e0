"""The report files of `slogate check` (one SLO over one window): JSON, JUnit XML, Markdown."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from slogate.report.evidence import markdown_row
from slogate.report.junit import add_junit_suite
from slogate.slo.evaluate import CheckReport


def to_json(report: CheckReport) -> str:
    data = report.model_dump(mode="json")
    data["exit_code"] = int(report.exit_code)
    return json.dumps(data, indent=2)


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

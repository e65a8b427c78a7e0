"""Writes a run folder: report.json (the source of truth), then what is rendered from it."""

from __future__ import annotations

from pathlib import Path

from slogate.host.files import write_atomically
from slogate.report.html import to_html
from slogate.report.junit import to_junit
from slogate.report.model import RunReport
from slogate.report.store import (
    JUNIT_XML,
    REPORT_HTML,
    SUMMARY_MD,
    write_report_json,
)
from slogate.report.summary import to_markdown


def render_outputs(report: RunReport, folder: Path) -> dict[str, Path]:
    """report.html, junit.xml and summary.md from `report` (each written atomically)."""
    outputs = {
        REPORT_HTML: to_html(report),
        JUNIT_XML: to_junit(report),
        SUMMARY_MD: to_markdown(report, REPORT_HTML),
    }
    paths = {}
    for name, text in outputs.items():
        write_atomically(folder / name, text)
        paths[name] = folder / name
    return paths


def write_report(report: RunReport, folder: Path) -> dict[str, Path]:
    """report.json first (so nothing is lost if rendering fails), then the rendered outputs."""
    paths = {"report.json": write_report_json(report, folder)}
    paths.update(render_outputs(report, folder))
    return paths

"""`slogate report RUN_ID`: re-render report.html, junit.xml and summary.md from report.json."""

from __future__ import annotations

from pathlib import Path

import click

from slogate.cli._report_options import reports_dir_option
from slogate.errors import ExitCode
from slogate.report.store import locate_report, read_report
from slogate.report.writer import render_outputs


@click.command("report")
@click.argument("run_id")
@reports_dir_option
def report(run_id: str, reports_dir: Path) -> ExitCode:
    """Re-render RUN_ID's report (a run id, a run folder or a report.json path)."""
    path = locate_report(run_id, reports_dir)
    run = read_report(path)
    for written in render_outputs(run, path.parent).values():
        click.echo(str(written))
    return ExitCode.OK

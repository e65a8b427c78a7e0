"""`slogate compare RUN_A RUN_B`: what got better or worse; with thresholds, gate on it."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from slogate.cli._report_options import reports_dir_option
from slogate.errors import ExitCode
from slogate.host.files import write_atomically
from slogate.report.compare import (
    Comparison,
    compare_reports,
    parse_threshold,
    short_change,
)
from slogate.report.store import locate_report, read_report

TONE = {"better": "green", "worse": "red", "same": "dim", "n/a": "dim"}


def print_comparison(comparison: Comparison, console: Console) -> None:
    table = Table(title=f"{comparison.run_a} → {comparison.run_b}")
    for column in ("phase", "objective @ at", "verdict", "bad share", "p95", "p99", "req/s"):
        table.add_column(column, overflow="fold")
    for row in comparison.rows:
        verdict = row.verdict_before.value
        if row.verdict_after is not row.verdict_before:
            verdict = f"[red]{verdict}→{row.verdict_after.value}[/]"
        cells = []
        for metric in ("bad_share", "p95", "p99", "throughput"):
            change = row.change(metric)
            cells.append(f"[{TONE[change.direction]}]{short_change(change)}[/]")
        table.add_row(row.phase, f"{row.objective} @ {row.place}", verdict, *cells)
    console.print(table)
    for key in comparison.only_in_a:
        console.print(f"only in {comparison.run_a}: {key}")
    for key in comparison.only_in_b:
        console.print(f"only in {comparison.run_b}: {key}")
    if comparison.thresholds:
        if comparison.regressions:
            console.print(f"[red]{len(comparison.regressions)} regression(s):[/]")
            for regression in comparison.regressions:
                console.print(f"  {regression}")
        else:
            console.print(f"[green]no regression beyond {', '.join(comparison.thresholds)}[/]")


@click.command("compare")
@click.argument("run_a")
@click.argument("run_b")
@click.option(
    "--threshold",
    "thresholds",
    multiple=True,
    help="A regression: 'p95 +10%', 'p99 +50ms', 'bad_share +0.05pp', 'throughput -5%', "
    "'verdict' (repeatable). With thresholds, exit 1 on a regression.",
)
@reports_dir_option
@click.option("--json", "json_path", type=click.Path(path_type=Path), help="Write JSON here.")
def compare(
    run_a: str, run_b: str, thresholds: tuple[str, ...], reports_dir: Path, json_path: Path | None
) -> ExitCode:
    """Compare RUN_B with RUN_A (run ids, run folders or report.json paths)."""
    parsed = [parse_threshold(text) for text in thresholds]
    report_a = read_report(locate_report(run_a, reports_dir))
    report_b = read_report(locate_report(run_b, reports_dir))
    comparison = compare_reports(report_a, report_b, parsed)
    console = Console()
    if not console.is_terminal:  # CI logs: do not fold the table at 80 columns
        console = Console(width=140)
    print_comparison(comparison, console)
    if json_path is not None:
        data = comparison.model_dump_json(indent=2)
        write_atomically(json_path, data + "\n")
    return ExitCode.BREACHED if comparison.regressions else ExitCode.OK

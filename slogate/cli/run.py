"""`slogate run GATE`: from nothing to a verdict and a report (see slogate/gate/)."""

from __future__ import annotations

from pathlib import Path

import click

from slogate.cli._stack_options import config_option, platform_option
from slogate.cli.gate_progress import LiveGateProgress
from slogate.config import load_config
from slogate.errors import ExitCode
from slogate.gate.orchestrator import GateOptions, GateRun, run_gate
from slogate.report.evidence import verdict_text
from slogate.report.headline import counts_line, outcome
from slogate.report.model import RunReport
from slogate.report.store import REPORT_HTML


def verdict_table(report: RunReport) -> str:
    """Phase, objective, place, verdict and why: one line each, then recoveries and notes."""
    rows = [("phase", "objective", "place", "verdict", "evidence")]
    for phase, result in report.phase_results():
        rows.append((phase, result.objective, result.place, verdict_text(result), result.reason))
    for recovery in report.recoveries:
        verdict = recovery.verdict.value if recovery.verdict else "-"
        rows.append(
            (recovery.fault_id, "time-to-recover", recovery.place or "", verdict, recovery.reason)
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4]
        for row in rows
    ]
    return "\n".join(lines)


def print_summary(run: GateRun) -> None:
    report = run.report
    if report is None:
        return
    click.echo(f"gate {report.gate}  run {report.run_id}  stack {run.stack}")
    click.echo(verdict_table(report))
    for comparison in report.client_server:
        remark = comparison.remark()
        click.echo(
            f"  {comparison.phase}: client {comparison.client_total} req / "
            f"{comparison.client_errors} err, "
            f"server {comparison.server_total} / {comparison.server_errors}, "
            f"edge {comparison.edge_total} / {comparison.edge_errors}; "
            f"tolerance {comparison.tolerance:.1%} ({comparison.tolerance_basis()})"
            + (f"; {remark}" if remark else "")
        )
    for note in report.notes:
        click.secho(f"note: {note}", fg="yellow")
    click.echo(counts_line(report))
    click.echo(f"{report.gate}: {outcome(report)}")
    click.echo(f"report: {run.paths.get(REPORT_HTML, run.folder / REPORT_HTML)}")


@click.command("run")
@click.argument("gate")
@config_option
@platform_option
@click.option("--stack", default=None, help="stack name (default: a new one for this run)")
@click.option("--reports-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("reports"), show_default=True, help="where run folders go")  # fmt: skip
@click.option("--run-anyway", is_flag=True,
              help="start even when the load is too small to demonstrate an objective")  # fmt: skip
@click.option("--abort-on-breach", is_flag=True,
              help="stop load and faults once the run cannot pass")  # fmt: skip
def run(
    gate: str,
    config_path: str | None,
    platform: str | None,
    stack: str | None,
    reports_dir: Path,
    run_anyway: bool,
    abort_on_breach: bool,
) -> ExitCode:
    """Run GATE from slogate.yaml: stack up, load and chaos, SLO verdicts, report, stack down.

    With --platform kubernetes the stack is the kustomize root on a cluster, reached through
    port-forwards; objectives it cannot measure there are reported as not measurable.

    Exit 0 every objective met, 1 one breached, 2 bad input (nothing started), 3 inconclusive,
    4 infrastructure failure, 130 interrupted (partial report written).
    """
    config = load_config(config_path)
    if platform is not None:
        config = config.model_copy(update={"platform": platform})
    options = GateOptions(stack, reports_dir, run_anyway, abort_on_breach)
    with LiveGateProgress() as progress:
        result = run_gate(config, gate, options, progress)
    print_summary(result)
    assert result.report is not None
    return result.report.exit_code

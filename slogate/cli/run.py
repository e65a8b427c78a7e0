"""`slogate run GATE`: from nothing to a verdict and a report (see slogate/gate/)."""

from __future__ import annotations

from pathlib import Path

import click

from slogate.cli._report_options import reports_dir_option
from slogate.cli._stack_options import config_option, platform_option
from slogate.cli.decoration import COLOUR, decorated, verdict_word
from slogate.cli.gate_progress import LiveGateProgress
from slogate.config import load_config, with_attach
from slogate.errors import ExitCode
from slogate.gate.orchestrator import GateOptions, GateRun, run_gate
from slogate.report.headline import counts_line, failing_first, outcome
from slogate.report.model import RunReport
from slogate.report.pushgateway import push_verdict
from slogate.report.store import REPORT_HTML
from slogate.slo.stats import Verdict


def verdict_table(report: RunReport, decorate: bool = False) -> str:
    """Phase, objective, place, verdict and why: one line each, failing objectives first,
    then recoveries; `decorate`: with ✓/✗ and colour (a terminal)."""
    rows = [("phase", "objective", "place", "verdict", "evidence")]
    verdicts: list[Verdict | None] = [None]
    for phase, result in failing_first(
        report.phase_results(), lambda p: (p[1].verdict, p[1].gating)
    ):
        name = result.objective + (
            "" if result.gating or not result.measurable else " (not gating)"
        )
        word = verdict_word(result.verdict, decorate) if result.measurable else "not measurable"
        rows.append((phase, name, result.place, word, result.reason))
        verdicts.append(result.verdict)
    for recovery in report.recoveries:
        word = verdict_word(recovery.verdict, decorate) if recovery.verdict else "-"
        rows.append(
            (recovery.fault_id, "time-to-recover", recovery.place or "", word, recovery.reason)
        )
        verdicts.append(recovery.verdict)
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for row, verdict in zip(rows, verdicts, strict=True):
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:4])]
        if decorate and verdict is not None:
            cells[3] = click.style(cells[3], fg=COLOUR[verdict])
        lines.append("  ".join(cells) + "  " + row[4])
    return "\n".join(lines)


def _n(count: int | None) -> str:
    return "–" if count is None else str(count)


def print_summary(run: GateRun) -> None:
    report = run.report
    if report is None:
        return
    click.echo(f"gate {report.gate}  run {report.run_id}  stack {run.stack}")
    click.echo(verdict_table(report, decorated()))
    for c in report.client_server:
        remark = c.remark()
        click.echo(
            f"  {c.phase}: client {_n(c.client_total)} req / {_n(c.client_errors)} err, "
            f"server {_n(c.server_total)} / {_n(c.server_errors)}, "
            f"edge {_n(c.edge_total)} / {_n(c.edge_errors)}; "
            f"tolerance {c.tolerance:.1%} ({c.tolerance_basis()})"
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
@click.option("--slo", "slo_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="SLO file to judge by (default: the gate's `slo:`)")  # fmt: skip
@reports_dir_option
@click.option("--run-anyway", is_flag=True,
              help="start even when the load is too small to demonstrate an objective")  # fmt: skip
@click.option("--abort-on-breach", is_flag=True,
              help="stop load and faults once the run cannot pass")  # fmt: skip
@click.option("--attach", is_flag=True,
              help="Kubernetes: gate the Deployment already deployed (no apply, no delete; "
                   "kubernetes.attach)")  # fmt: skip
@click.option("--pushgateway", metavar="URL", envvar="SLOGATE_PUSHGATEWAY",
              help="push the verdict to this Prometheus Pushgateway (a failed push is reported "
                   "and leaves the exit code alone) [env: SLOGATE_PUSHGATEWAY]")  # fmt: skip
def run(
    gate: str,
    config_path: str | None,
    platform: str | None,
    stack: str | None,
    slo_path: Path | None,
    reports_dir: Path,
    run_anyway: bool,
    abort_on_breach: bool,
    attach: bool,
    pushgateway: str | None,
) -> ExitCode:
    """Run GATE from slogate.yaml: stack up, load and chaos, SLO verdicts, report, stack down.

    With --platform kubernetes the stack is the kustomize root on a cluster, reached through
    port-forwards; objectives it cannot measure there are reported as not measurable. With
    --attach it gates the Deployment already deployed instead (a scheduled drill).

    Exit 0 every objective met, 1 one breached, 2 bad input (nothing started), 3 inconclusive,
    4 infrastructure failure, 130 interrupted (partial report written).
    """
    config = load_config(config_path)
    if platform is not None:
        config = config.model_copy(update={"platform": platform})
    if attach:
        config = with_attach(config)
    if slo_path is not None and gate in config.gates:
        judged = config.gates[gate].model_copy(update={"slo": str(slo_path.resolve())})
        config = config.model_copy(update={"gates": {**config.gates, gate: judged}})
    options = GateOptions(stack, reports_dir, run_anyway, abort_on_breach)
    with LiveGateProgress() as progress:
        result = run_gate(config, gate, options, progress)
    print_summary(result)
    assert result.report is not None
    if pushgateway:
        pushed = push_verdict(pushgateway, result.report)
        if pushed.ok:
            click.echo(pushed.detail)
        else:
            click.secho(f"warning: {pushed.detail}; the exit code is the verdict's", err=True,
                        fg="yellow")  # fmt: skip
    return result.report.exit_code

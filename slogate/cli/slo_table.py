"""`slogate check`'s table on the terminal: one row per objective and place, then the exit
code."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from slogate.report.evidence import budget_text, quantiles_text, verdict_text
from slogate.slo.evaluate import CheckReport
from slogate.slo.stats import Verdict

STYLE = {Verdict.PASS: "green", Verdict.FAIL: "red", Verdict.INCONCLUSIVE: "yellow"}


def print_table(report: CheckReport, console: Console | None = None) -> None:
    if console is None:
        console = Console()
        if not console.is_terminal:  # CI logs: do not fold the evidence at 80 columns
            console = Console(width=200)
    table = Table(title=f"SLO {report.slo}: {report.window.seconds:g} s window")
    for column in ("objective", "at", "verdict", "evidence", "budget / quantiles"):
        table.add_column(column, overflow="fold")
    for result in report.results:
        verdict = f"[{STYLE[result.verdict]}]{verdict_text(result)}[/]"
        extra = "\n".join(x for x in (budget_text(result), quantiles_text(result)) if x)
        table.add_row(result.objective, result.place, verdict, result.reason, extra)
    console.print(table)
    console.print(f"exit code {int(report.exit_code)} ({report.exit_code.name})")

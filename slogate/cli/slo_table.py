"""`slogate check`'s table on the terminal: one row per objective and place, failing ones
first (✓/✗ and colour on a terminal, plain in CI), then the exit code."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from slogate.cli.decoration import COLOUR, verdict_word
from slogate.report.evidence import budget_text, quantiles_text
from slogate.report.headline import failing_first
from slogate.slo.evaluate import CheckReport


def print_table(report: CheckReport, console: Console | None = None) -> None:
    if console is None:
        console = Console()
        if not console.is_terminal:  # CI logs: do not fold the evidence at 80 columns
            console = Console(width=200)
    table = Table(title=f"SLO {report.slo}: {report.window.seconds:g} s window")
    for column in ("objective", "at", "verdict", "evidence", "budget / quantiles"):
        table.add_column(column, overflow="fold")
    decorate = console.is_terminal and not console.no_color
    for result in failing_first(report.results, lambda r: (r.verdict, r.gating)):
        word = verdict_word(result.verdict, decorate) if result.measurable else "not measurable"
        verdict = f"[{COLOUR[result.verdict]}]{word}[/]"
        if not result.gating and result.measurable:
            verdict += " (not gating)"
        extra = "\n".join(x for x in (budget_text(result), quantiles_text(result)) if x)
        table.add_row(result.objective, result.place, verdict, result.reason, extra)
    console.print(table)
    console.print(f"exit code {int(report.exit_code)} ({report.exit_code.name})")

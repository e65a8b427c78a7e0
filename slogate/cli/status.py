"""`slogate status`: each part of a stack, its port, readiness, restarts and active faults."""

from __future__ import annotations

import sys

import click
from rich.console import Console
from rich.table import Table

from slogate.cli._stack_options import platform_option, stack_option
from slogate.errors import ExitCode
from slogate.platform.registry import platform_of_stack
from slogate.platform.state import require_state

READINESS_PATH = "/health/readiness"


@click.command("status")
@stack_option
@platform_option
def status(stack: str, platform: str | None) -> ExitCode:
    """Show each part, its port, readiness, restart count and active faults."""
    state = require_state(stack)
    stack_platform = platform_of_stack(stack, platform)
    rows = [row.model_dump() for row in stack_platform.status(state, READINESS_PATH)]
    supervisor_alive = stack_platform.supervisor_alive(state)
    columns = ["part", "port", "pid", "running", "ready", "restarts", "faults"]
    if sys.stdout.isatty():
        table = Table(
            title=f"stack {stack!r}  edge {state.edge_url}  prometheus {state.prometheus_url}"
        )
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*(str(row[c]) if row[c] is not None else "-" for c in columns))
        Console().print(table)
    else:
        click.echo(f"stack {stack} edge={state.edge_url} prometheus={state.prometheus_url}")
        for row in rows:
            click.echo(
                " ".join(f"{c}={row[c] if row[c] not in (None, '') else '-'}" for c in columns)
            )
    if not supervisor_alive:
        click.echo(
            f"the supervisor of stack {stack!r} is not running, so nothing restarts its parts: "
            f"clean up with `slogate down --stack {stack}`, then `slogate up --stack {stack}`",
            err=True,
        )
        return ExitCode.INFRASTRUCTURE
    return ExitCode.OK

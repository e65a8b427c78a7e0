"""`slogate down`: roll back the open faults of a stack, then stop it (even without supervisor)."""

from __future__ import annotations

import click

from slogate.chaos.ledger import FaultLedger
from slogate.chaos.rollback import roll_back_faults
from slogate.cli._stack_options import platform_option, stack_option
from slogate.errors import ConfigError, ExitCode
from slogate.platform.registry import platform_of_stack
from slogate.platform.state import load_state


@click.command("down")
@stack_option
@platform_option
@click.option("--timeout", type=float, default=30.0, show_default=True,
              help="seconds to wait for the supervisor to stop the parts")  # fmt: skip
def down(stack: str, platform: str | None, timeout: float) -> ExitCode:
    """Roll back the stack's open faults, then stop every process of it and free its ports."""
    stack_platform = platform_of_stack(stack, platform)
    try:
        up = load_state(stack) is not None
    except ConfigError:
        up = True  # unreadable: its faults and processes are still worth stopping
    if up:
        report = roll_back_faults(FaultLedger(stack), stack)
        for fault_id in report.closed:
            click.echo(f"rolled back fault {fault_id}")
        for error in report.errors:
            click.echo(f"could not roll back {error}; the stack going down ends it", err=True)
    result = stack_platform.down(stack, timeout=timeout)
    for note in result.notes:
        click.echo(note, err=True)
    for what in result.not_removed:
        click.echo(f"not removed: {what}", err=True)
    if result.still_running or result.not_removed:
        click.echo(f"stack {stack!r} is not fully down", err=True)
        return ExitCode.INFRASTRUCTURE
    click.echo(f"stack {stack!r} is down" if result.was_up else f"stack {stack!r} is not up")
    return ExitCode.OK

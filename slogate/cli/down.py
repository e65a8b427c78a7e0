"""`slogate down`: stop a stack, also when its supervisor was killed."""

from __future__ import annotations

import click

from slogate.cli._stack_options import stack_option
from slogate.errors import ExitCode
from slogate.platform.local.stack import down_stack


@click.command("down")
@stack_option
@click.option("--timeout", type=float, default=30.0, show_default=True,
              help="seconds to wait for the supervisor to stop the parts")  # fmt: skip
def down(stack: str, timeout: float) -> ExitCode:
    """Stop every process of the stack and free its ports."""
    state = down_stack(stack, timeout=timeout)
    if state is None:
        click.echo(f"stack {stack!r} is not up")
    else:
        click.echo(f"stack {stack!r} is down")
    return ExitCode.OK

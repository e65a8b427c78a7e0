"""The `slogate` command line.

Each sub-command lives in its own module under `slogate.cli` and is registered in
`COMMANDS`. Exceptions from the engine are mapped to exit codes here, in one place.
"""

from __future__ import annotations

import importlib
import sys
from typing import NoReturn

import click

from slogate import __version__
from slogate.errors import ExitCode, SlogateError
from slogate.host.prompt_exit import run_then_exit

# module name under slogate.cli -> attribute holding the click command
COMMANDS: dict[str, str] = {
    "up": "up",
    "down": "down",
    "status": "status",
    "validate": "validate",
    "init": "init",
    "doctor": "doctor",
    "check": "check",
    "rules": "rules",
    "load": "load_command",
    "chaos": "chaos",
    "report": "report",
    "compare": "compare",
    "run": "run",
    "capacity": "capacity",
    "dashboard": "dashboard",
}


class _LazyGroup(click.Group):
    """Imports a sub-command's module only when it runs (or `--help` lists it).

    A command is named like its module. Importing every module up front (scipy among them)
    took seconds, and a Ctrl-C in that time ended in a traceback.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module = importlib.import_module(f"slogate.cli.{cmd_name}")
        command: click.Command = getattr(module, COMMANDS[cmd_name])
        return command


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="slogate")
def cli() -> None:
    """slogate: deploy a service, load it, break it, and gate on its SLOs."""


def main(argv: list[str] | None = None) -> None:
    """Console entry point: runs the CLI and maps slogate's errors to exit codes."""
    try:
        result = cli.main(args=argv, prog_name="slogate", standalone_mode=False)
    except SlogateError as error:
        click.secho(f"error: {error}", fg="red", err=True)
        sys.exit(int(error.exit_code))
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        sys.exit(int(ExitCode.INTERRUPTED))
    except click.ClickException as error:
        error.show()
        sys.exit(int(ExitCode.USAGE))
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(int(ExitCode.INTERRUPTED))
    # A command returns its ExitCode (or None for 0); --help and --version return 0.
    sys.exit(int(result) if isinstance(result, int) else 0)


def program() -> NoReturn:
    """The `slogate` program (console script, `python -m slogate`): `main`, then the process
    ends without the interpreter's teardown (slogate.host.prompt_exit)."""
    run_then_exit(main)

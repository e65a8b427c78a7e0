"""`slogate validate`: check slogate.yaml (and, as they arrive, SLO and experiment files)."""

from __future__ import annotations

import click

from slogate.cli._stack_options import config_option
from slogate.config import load_config
from slogate.errors import ExitCode


@click.command("validate")
@config_option
def validate(config_path: str | None) -> ExitCode:
    """Validate the configuration without starting anything."""
    config = load_config(config_path)
    where = config.source or "built-in defaults (no slogate.yaml found)"
    click.echo(f"ok: {where}")
    click.echo(
        f"  platform {config.platform}; service {' '.join(config.service.command)}; "
        f"{config.service.replicas} replicas"
    )
    return ExitCode.OK

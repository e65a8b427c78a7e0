"""`slogate validate`: check slogate.yaml and what its gates name, without starting anything."""

from __future__ import annotations

import click

from slogate.chaos.fault_modes import check_fault_mode
from slogate.cli._stack_options import config_option
from slogate.config import load_config
from slogate.errors import ExitCode
from slogate.gate.detection import detection_figures
from slogate.gate.plan import plan_gate
from slogate.gate.preflight import find_shortfalls


@click.command("validate")
@config_option
def validate(config_path: str | None) -> ExitCode:
    """Validate the configuration without starting anything.

    Checks slogate.yaml, and for each gate its load profile, SLO file, objectives and
    experiments; says the smallest breach each judged objective of each gate detects (90 %
    power) and warns about a gate whose load is too small to demonstrate an objective or to
    detect the breach its `detect:` asks for.
    """
    return validate_config(config_path)


def validate_config(config_path: str | None) -> ExitCode:
    """What `slogate validate` prints and returns (also run by `slogate init`)."""
    config = load_config(config_path)
    where = config.source or "built-in defaults (no slogate.yaml found)"
    check_fault_mode(config.faults, config.platform, where)
    plans = [plan_gate(config, name) for name in config.gates]
    click.echo(f"ok: {where}")
    click.echo(
        f"  platform {config.platform}; service {' '.join(config.service.command)}; "
        f"{config.service.replicas} replicas"
    )
    if plans:
        click.echo(f"  gates: {', '.join(plan.name for plan in plans)}")
    for plan in plans:
        click.echo(f"  {plan.name}: the smallest breach each judged objective detects")
        for figure in detection_figures(plan):
            click.echo(f"    {figure.line()}")
        for shortfall in find_shortfalls(plan):
            click.echo(
                f"warning: gate {plan.name}: {shortfall.message} "
                "(`slogate run` refuses it unless --run-anyway)",
                err=True,
            )
    return ExitCode.OK

"""`slogate chaos EXPERIMENT`: run a Chaos Toolkit experiment whose faults never outlive it."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import click

from slogate.chaos.runner import ChaosPlan, run_chaos
from slogate.cli._stack_options import platform_option, stack_option
from slogate.errors import ExitCode, UsageError
from slogate.platform.registry import platform_of_stack

EXPERIMENTS_DIR = Path("experiments")


def resolve_experiment(name: str) -> Path:
    """A path, or a name under experiments/ (`pod-kill` -> experiments/pod-kill.yaml)."""
    path = Path(name)
    if path.is_file():
        return path
    candidate = EXPERIMENTS_DIR / f"{name}.yaml"
    if candidate.is_file():
        return candidate
    known = sorted(p.stem for p in EXPERIMENTS_DIR.glob("*.yaml"))
    raise UsageError(
        f"experiment {name!r} not found: give a file or one of {', '.join(known) or '(none)'}"
    )


@click.command("chaos")
@click.argument("experiment")
@stack_option
@platform_option
@click.option("--load", "load_profile", default="smoke", show_default=True,
              help="background load profile (loadtests/profiles.yaml)")  # fmt: skip
@click.option("--no-load", is_flag=True, help="no background load (steady-state probes need it)")
@click.option("--run-id", help="run id for the fault ledger (default: generated)")
@click.option("--run-dir", type=click.Path(path_type=Path), help="folder for journal and logs")
@click.option("--warmup", "warmup_s", type=click.FloatRange(0, 600), default=6.0,
              show_default=True, help="seconds of load before chaos starts")  # fmt: skip
@click.option("--skip-steady-state", is_flag=True,
              help="skip the steady-state hypothesis (exploring, not testing)")  # fmt: skip
@click.option("--loadtests", type=click.Path(path_type=Path), default=Path("loadtests"))
def chaos(
    experiment: str,
    stack: str,
    platform: str | None,
    load_profile: str,
    no_load: bool,
    run_id: str | None,
    run_dir: Path | None,
    warmup_s: float,
    skip_steady_state: bool,
    loadtests: Path,
) -> ExitCode:
    """Run EXPERIMENT (a file or a name in experiments/) against a stack, under load.

    Exit 0 the steady state held, 1 it deviated, 3 it was not met before the method
    (inconclusive), 4 an action failed, 130 interrupted. Every fault is rolled back.
    """
    path = resolve_experiment(experiment)
    platform_of_stack(stack, platform)  # a --platform the stack does not run on is an error
    run_id = run_id or f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
    folder = run_dir or Path("reports") / f"chaos-{path.stem}-{run_id}"
    plan = ChaosPlan(
        experiment=path.resolve(),
        stack=stack,
        run_id=run_id,
        run_dir=folder.resolve(),
        load_profile=None if no_load else load_profile,
        warmup_s=warmup_s if not no_load else 0.0,
        steady_state=not skip_steady_state,
        loadtests_dir=loadtests,
    )
    outcome = run_chaos(plan, click.echo)
    for reason in outcome.reasons:
        click.echo(f"  {reason}")
    names = {0: "PASS", 1: "FAIL (deviated)", 3: "INCONCLUSIVE", 4: "ERROR", 130: "INTERRUPTED"}
    click.echo(f"{path.stem}: {names.get(int(outcome.exit_code), outcome.exit_code.name)}")
    click.echo(f"journal: {outcome.journal_path}")
    return outcome.exit_code

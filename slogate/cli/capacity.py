"""`slogate capacity [GATE]`: the highest rate at which every gating share objective holds.

Against a stack that is up (`--stack`, with `--slo` and `--profile`), or, with a GATE of
slogate.yaml, against a stack of the gate's settings that the search brings up on free ports
and always tears down (also on Ctrl-C or SIGTERM: exit 130), judging the objectives the gate
names with its profile and warm-up (slogate/capacity/setup.py). Steps up from --from, bisects
between the last held and the first broken rate (slogate/capacity/search.py), each step a
load judged like a gate (slogate/capacity/step.py). Writes `capacity.json` after every step,
then `capacity.html`, `junit.xml` and `summary.md` (slogate/capacity/report.py), and prints the
rate-vs-p95/p99/errors curve with the capacity and the first broken rate marked.
Exit 0 when the capacity reaches the required rate (also "at least R" when the generator
saturated above it), 1 when a share objective broke at or below it (whatever the steps
after the break showed), 3 when the generator saturated, the steps stayed inconclusive or --to
stopped the search below it. A staged profile is refused (exit 2): a step offers one rate.
"""

from __future__ import annotations

import time
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import click

from slogate.capacity.own_stack import own_stack, own_stack_name
from slogate.capacity.report import curve, figure
from slogate.capacity.run import run_search
from slogate.capacity.search import SearchPlan
from slogate.capacity.setup import CapacitySetup, from_gate, from_options, required_rate
from slogate.capacity.step import StackTarget, share_spec
from slogate.cli._report_options import reports_dir_option
from slogate.cli._stack_options import config_option
from slogate.config import load_config
from slogate.errors import ExitCode, UsageError
from slogate.host.outputs import require_writable_folder
from slogate.platform.state import StackState, require_state
from slogate.slo.stats import required_requests

__all__ = ["capacity", "required_rate"]


def _setup(
    gate: str | None, config_path: str | None, stack: str | None, slo_file: Path | None,
    profile: str | None, loadtests: Path | None, warmup_s: float | None, require: float | None,
) -> CapacitySetup:  # fmt: skip
    if gate is None:
        return from_options(
            slo_file or Path("slo/target-service.yaml"), profile or "baseline",
            loadtests or Path("loadtests"), 3.0 if warmup_s is None else warmup_s, require,
        )  # fmt: skip
    given = [flag for flag, value in (("--stack", stack), ("--slo", slo_file),
             ("--profile", profile), ("--loadtests", loadtests)) if value is not None]  # fmt: skip
    if given:
        raise UsageError(
            f"GATE {gate!r} brings up its own stack with the gate's SLO file and profile; "
            f"{', '.join(given)} cannot be given with it: give GATE, or --stack with --slo and "
            "--profile for a stack that is up"
        )
    return from_gate(load_config(config_path), gate, warmup_s, require)


def _stack_that_is_up(stack: str) -> StackState:
    state = require_state(stack)
    if not state.edge_url or not state.prometheus_url:
        raise UsageError(f"stack {stack!r} has no edge or Prometheus; is it up (slogate up)?")
    return state


@click.command("capacity")
@click.argument("gate", required=False)
@config_option
@click.option("--stack", default=None,
              help="Stack that is up to load (default: default; not with GATE).")  # fmt: skip
@click.option("--slo", "slo_file", type=click.Path(path_type=Path), default=None,
              help="SLO file (default: slo/target-service.yaml; not with GATE).")  # fmt: skip
@click.option("--profile", default=None, help="Load profile (default: baseline; not with GATE).")
@click.option("--from", "from_rps", type=click.FloatRange(min=0, min_open=True), default=100.0,
              show_default=True, help="First rate (req/s).")  # fmt: skip
@click.option("--to", "to_rps", type=click.FloatRange(min=0, min_open=True), default=2000.0,
              show_default=True, help="Highest rate tried (req/s).")  # fmt: skip
@click.option("--require", type=click.FloatRange(min=0, min_open=True),
              help="Rate the capacity must reach (default: the objectives' min_rps).")  # fmt: skip
@click.option("--step-s", type=click.FloatRange(min=1), default=20.0, show_default=True,
              help="Judged seconds per step.")  # fmt: skip
@click.option("--warmup-s", type=click.FloatRange(min=0), default=None,
              help="Load before each step (default: 3, or the gate's warmup_s).")  # fmt: skip
@click.option("--precision", type=click.FloatRange(0, 1, min_open=True, max_open=True),
              default=0.05, show_default=True, help="Bisect until within this share.")  # fmt: skip
@click.option("--workers", type=click.IntRange(0, 64), default=0, help="Locust worker processes")
@reports_dir_option
@click.option("--loadtests", type=click.Path(path_type=Path), default=None,
              help="Load tests folder (default: loadtests; not with GATE).")  # fmt: skip
def capacity(
    gate: str | None, config_path: str | None, stack: str | None, slo_file: Path | None,
    profile: str | None, from_rps: float, to_rps: float, require: float | None, step_s: float,
    warmup_s: float | None, precision: float, workers: int, reports_dir: Path,
    loadtests: Path | None,
) -> ExitCode:  # fmt: skip
    """Find the highest rate at which the share objectives hold (of GATE, or of --slo)."""
    setup = _setup(gate, config_path, stack, slo_file, profile, loadtests, warmup_s, require)
    if from_rps > to_rps:
        raise UsageError(f"--from {from_rps:g} is above --to {to_rps:g}: give --from <= --to")
    needed = max((required_requests(o.target) for o in share_spec(setup.spec).spec.objectives
                  if o.target is not None), default=0)  # fmt: skip
    plan = SearchPlan(
        start_rps=from_rps, to_rps=to_rps, duration_s=step_s, precision=precision,
        min_requests=needed,
    )  # fmt: skip
    require_writable_folder(reports_dir, "--reports-dir")
    existing = _stack_that_is_up(stack or "default") if setup.stack_config is None else None
    folder = (reports_dir / f"capacity-{time.strftime('%Y%m%d-%H%M%S')}").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    stack_up: AbstractContextManager[StackState]
    if existing is not None:
        stack_up = nullcontext(existing)
    else:
        assert setup.stack_config is not None
        stack_up = own_stack(setup.stack_config, own_stack_name(), folder, setup.seed, click.echo)
    with stack_up as up:
        target = StackTarget(
            edge_url=(up.edge_url or "").rstrip("/"),
            prometheus_url=up.prometheus_url or "",
            scrape_interval_s=up.scrape_interval_s,
            client_metrics_port=up.client_metrics_port,
            profile=setup.profile,
            loadtests=setup.loadtests,
            workers=workers,
        )
        records, found = run_search(
            target, setup.spec, plan, setup.warmup_s, folder, setup.required_rps, click.echo
        )
    click.echo(curve(records, found))
    click.echo(f"capacity: {figure(found)} (required {setup.required_rps:g}); {found.stopped}")
    click.echo(f"results: {folder}")
    return found.exit_code

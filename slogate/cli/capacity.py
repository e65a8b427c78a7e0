"""`slogate capacity`: the highest rate at which every gating share objective still holds.

Runs against a stack that is up (`slogate up`): steps up from --from, bisects between the
last held and the first broken rate (slogate/capacity/search.py), each step a load judged
like a gate (slogate/capacity/step.py). Writes `capacity.json` after every step, then
`junit.xml` and `summary.md` (slogate/capacity/report.py), and prints the rate-vs-p95/p99/errors
curve with the capacity and the first broken rate marked.
Exit 0 when the capacity reaches the required rate (also "at least R" when the generator
saturated above it), 1 when a share objective broke at or below it (whatever the steps
after the break showed), 3 when the generator saturated, the steps stayed inconclusive or --to
stopped the search below it. A staged profile is refused (exit 2): a step offers one rate.
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from slogate.capacity.report import curve, figure, write_reports
from slogate.capacity.search import SearchPlan, Step, conclude, next_step
from slogate.capacity.step import (
    StackTarget,
    StepRecord,
    constant_profile,
    run_step,
    share_spec,
)
from slogate.errors import ExitCode, UsageError
from slogate.load.profiles import find_profile
from slogate.platform.state import require_state
from slogate.slo.spec import SLOSpec, load_spec
from slogate.slo.stats import required_requests


def required_rate(spec: SLOSpec, require: float | None) -> float:
    """--require, else the highest `min_rps` of the file's throughput objectives."""
    if require is not None:
        return require
    rates = [o.min_rps for o in spec.spec.objectives if o.min_rps is not None]
    if not rates:
        raise UsageError(
            f"{spec.metadata.name}: no throughput objective with min_rps; give --require R"
        )
    return max(rates)


@click.command("capacity")
@click.option("--stack", default="default", show_default=True, help="Stack to load (slogate up).")
@click.option("--slo", "slo_file", type=click.Path(path_type=Path),
              default=Path("slo/target-service.yaml"), show_default=True)  # fmt: skip
@click.option("--profile", default="baseline", show_default=True, help="Load profile.")
@click.option("--from", "from_rps", type=click.FloatRange(min=0, min_open=True), default=100.0,
              show_default=True, help="First rate (req/s).")  # fmt: skip
@click.option("--to", "to_rps", type=click.FloatRange(min=0, min_open=True), default=2000.0,
              show_default=True, help="Highest rate tried (req/s).")  # fmt: skip
@click.option("--require", type=click.FloatRange(min=0, min_open=True),
              help="Rate the capacity must reach (default: the SLO file's min_rps).")  # fmt: skip
@click.option("--step-s", type=click.FloatRange(min=1), default=20.0, show_default=True,
              help="Judged seconds per step.")  # fmt: skip
@click.option("--warmup-s", type=click.FloatRange(min=0), default=3.0, show_default=True)
@click.option("--precision", type=click.FloatRange(0, 1, min_open=True, max_open=True),
              default=0.05, show_default=True, help="Bisect until within this share.")  # fmt: skip
@click.option("--workers", type=click.IntRange(0, 64), default=0, help="Locust worker processes")
@click.option("--reports-dir", type=click.Path(path_type=Path), default=Path("reports"))
@click.option("--loadtests", type=click.Path(path_type=Path), default=Path("loadtests"))
def capacity(
    stack: str, slo_file: Path, profile: str, from_rps: float, to_rps: float,
    require: float | None, step_s: float, warmup_s: float, precision: float, workers: int,
    reports_dir: Path, loadtests: Path,
) -> ExitCode:  # fmt: skip
    """Find the highest rate at which the SLO file's share objectives hold."""
    spec = load_spec(slo_file)
    required = required_rate(spec, require)
    if from_rps > to_rps:
        raise UsageError(f"--from {from_rps:g} is above --to {to_rps:g}: give --from <= --to")
    needed = max((required_requests(o.target) for o in share_spec(spec).spec.objectives
                  if o.target is not None), default=0)  # fmt: skip
    plan = SearchPlan(
        start_rps=from_rps, to_rps=to_rps, duration_s=step_s, precision=precision,
        min_requests=needed,
    )  # fmt: skip
    load_profile = constant_profile(find_profile(profile, loadtests))
    state = require_state(stack)
    if not state.edge_url or not state.prometheus_url:
        raise UsageError(f"stack {stack!r} has no edge or Prometheus; is it up (slogate up)?")
    target = StackTarget(
        edge_url=state.edge_url.rstrip("/"),
        prometheus_url=state.prometheus_url,
        scrape_interval_s=state.scrape_interval_s,
        client_metrics_port=state.client_metrics_port,
        profile=load_profile,
        loadtests=loadtests,
        workers=workers,
    )
    folder = (reports_dir / f"capacity-{time.strftime('%Y%m%d-%H%M%S')}").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    records: list[StepRecord] = []
    steps: list[Step] = []
    while (step := next_step(plan, steps)) is not None:
        click.echo(f"step {len(steps) + 1}: {step.rate:.1f} req/s for {step.duration_s:g} s")
        run_dir = folder / f"step-{len(steps) + 1:02d}-{step.rate:.0f}rps"
        record = run_step(target, spec, step.rate, step.duration_s, warmup_s, run_dir)
        records.append(record)
        steps.append(Step(record.rate, record.duration_s, record.outcome, record.broken))
        click.echo(
            f"  {record.outcome}" + (f": {', '.join(record.broken)}" if record.broken else "")
        )
        write_reports(folder, records, None, required)
    found = conclude(plan, steps, required)
    write_reports(folder, records, found, required)
    click.echo(curve(records, found))
    click.echo(f"capacity: {figure(found)} (required {required:g}); {found.stopped}")
    click.echo(f"results: {folder}")
    return found.exit_code

"""`slogate load PROFILE`: run a load profile with Locust against a stack or a URL."""

from __future__ import annotations

import time
from pathlib import Path

import click

from slogate.cli._stack_options import config_option, platform_option
from slogate.cli.load_progress import LoadProgress
from slogate.cli.load_ui import LOOPBACK, ui_command, web_options
from slogate.config import load_config
from slogate.errors import ExitCode, UsageError
from slogate.load.profiles import find_profile
from slogate.load.results import LoadSummary, percentiles_table
from slogate.load.runner import LoadPlan, run_load
from slogate.platform.base import DistributedLoad
from slogate.platform.registry import platform_of_stack
from slogate.platform.state import require_state
from slogate.report.store import allocate_run_folder

CLUSTER_TARGET = "http://target-service"  # the target's Service, from the Locust pods


def _target(stack: str, host: str | None) -> tuple[str, int | None]:
    if host is not None:
        return host.rstrip("/"), None
    state = require_state(stack)
    if not state.edge_url:
        raise UsageError(f"stack {stack!r} has no edge URL in its state file; pass --host URL")
    return state.edge_url.rstrip("/"), state.client_metrics_port


def _report(summary: LoadSummary, run_dir: Path) -> None:
    click.echo(
        f"profile {summary.profile}: {summary.starts} of {summary.scheduled} scheduled requests "
        f"started ({summary.achieved_rate:.1f}/s of {summary.offered_rate:.1f}/s), "
        f"{summary.missed} missed, {summary.late} late (> {summary.late_after_ms:g} ms), "
        f"{summary.completed} completed, {summary.errors} errors"
    )
    click.echo(percentiles_table(summary), nl=False)
    if summary.breaking_point is not None:
        point = summary.breaking_point
        if point.stage is None:
            click.echo("breaking point: none reached")
        else:
            click.echo(
                f"breaking point: stage {point.stage} at {point.rate:g} req/s, "
                f"limited by the {str(point.limited_by).replace('_', ' ')}"
            )
    for problem in summary.problems:
        click.secho(f"warning: {problem}", fg="yellow", err=True)
    click.echo(f"results: {run_dir}")


@click.command("load")
@click.argument("profile")
@click.option("--stack", default="default", show_default=True, help="stack to load")
@config_option
@platform_option
@click.option("--host", help="base URL of the target instead of a stack's edge")
@click.option("--rate", type=float, help="override the profile's rate (req/s; peak if staged)")
@click.option("--duration", type=float, help="override the profile's duration (seconds)")
@click.option("--seed", type=int, help="override the profile's seed")
@click.option("--workers", type=click.IntRange(0, 64), default=0,
              help="Locust worker processes (on Kubernetes: worker pods, at least 1)")  # fmt: skip
@click.option("--ui", is_flag=True, help="start the Locust web UI (with an SLO tab) instead")
@click.option("--web-host", default="127.0.0.1", show_default=True, help="--ui: address to bind")
@click.option("--web-port", type=click.IntRange(1, 65535), help="--ui: port (default: a free one)")
@click.option("--web-login", is_flag=True, help="--ui: Locust's login page (needed off loopback)")
@click.option("--web-credentials", type=click.Path(path_type=Path),
              help="--web-login: file with user:password, mode 0600 (default: made)")  # fmt: skip
@click.option("--slo", "slo_file", type=click.Path(path_type=Path),
              default=Path("slo/target-service.yaml"), show_default=True,
              help="--ui: the SLO file the SLO tab and the session's report judge")  # fmt: skip
@click.option("--run-time", help="--ui: end the session this long after the UI is up (90s, 5m)")
@click.option("--run-dir", type=click.Path(path_type=Path), help="results folder")
@click.option("--client-metrics-port", type=int, help="port for client metrics (default: stack's)")
@click.option("--loadtests", type=click.Path(path_type=Path), default=Path("loadtests"))
@click.option("--start-when-file", type=click.Path(path_type=Path),
              help="start Locust now, send the first request once this file exists (the "
                   "target need not answer yet: whoever creates the file checks it)")  # fmt: skip
def load_command(
    profile: str,
    stack: str,
    config_path: str | None,
    platform: str | None,
    host: str | None,
    rate: float | None,
    duration: float | None,
    seed: int | None,
    workers: int,
    ui: bool,
    web_host: str,
    web_port: int | None,
    web_login: bool,
    web_credentials: Path | None,
    slo_file: Path,
    run_time: str | None,
    run_dir: Path | None,
    client_metrics_port: int | None,
    loadtests: Path,
    start_when_file: Path | None,
) -> ExitCode:
    """Run load PROFILE (from loadtests/profiles.yaml) with Locust as an open model."""
    chosen = find_profile(profile, loadtests).with_overrides(rate, duration, seed)
    overrides: dict[str, float | int | None] = {"rate": rate, "duration": duration, "seed": seed}
    runs_on = platform_of_stack(stack, platform) if host is None or platform else None
    if isinstance(runs_on, DistributedLoad):
        local_only = {
            "--ui": ui, "--web-host": web_host != LOOPBACK, "--web-port": web_port is not None,
            "--web-login": web_login, "--web-credentials": web_credentials is not None,
            "--run-time": run_time is not None, "--run-dir": run_dir is not None,
            "--client-metrics-port": client_metrics_port is not None,
            "--start-when-file": start_when_file is not None,
        }  # fmt: skip
        used = [name for name, given in local_only.items() if given]
        if used:
            raise UsageError(
                f"{', '.join(used)} do not apply on a distributed platform: the Locust master "
                "runs in the cluster, its web UI on the pod's loopback only (kubectl "
                "port-forward svc/locust-master 8089); drop them"
            )
        plan = LoadPlan(
            profile=chosen,
            host=(host or CLUSTER_TARGET).rstrip("/"),
            run_dir=Path("run"),  # the pods' own (platform/kubernetes/locust.py)
            loadtests_dir=loadtests,
            workers=workers or 1,
            overrides=overrides,
        )
        ready = runs_on.deploy_load(
            load_config(config_path), stack, plan, lambda part: click.echo(f"{part} ready")
        )
        for note in ready:
            click.echo(note)
        return ExitCode.OK
    url, stack_port = _target(stack, host)
    web = web_options(ui, web_host, web_port, web_login, web_credentials, run_time)
    if web is not None and run_dir is None:
        run_dir = allocate_run_folder(f"ui-{profile}".lower())[1]  # a run id, like a gate's
    folder = run_dir or Path("reports") / f"load-{profile}-{time.strftime('%Y%m%d-%H%M%S')}"
    locustfile = loadtests / "locustfile.py"
    if not locustfile.is_file():
        raise UsageError(f"{locustfile} not found: run slogate from the project folder")
    plan = LoadPlan(
        profile=chosen,
        host=url,
        run_dir=folder.resolve(),
        locustfile=locustfile,
        loadtests_dir=loadtests,
        workers=workers,
        client_metrics_port=client_metrics_port or stack_port,
        overrides=overrides,
        start_when_file=start_when_file.resolve() if start_when_file else None,
    )
    if web is not None:
        return ui_command(plan, web, stack if host is None else None, slo_file)
    with LoadProgress(stages=chosen.resolved_stages()) as progress:
        summary = run_load(plan, progress)
    _report(summary, plan.run_dir)
    return ExitCode.INCONCLUSIVE if summary.problems else ExitCode.OK

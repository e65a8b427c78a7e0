"""`slogate up`: start a local stack and return once it is ready (or stay attached)."""

from __future__ import annotations

from pathlib import Path

import click

from slogate.cli._stack_options import config_option, platform_option, stack_option
from slogate.cli.live import ProgressPrinter
from slogate.config import SlogateConfig, load_config
from slogate.errors import ExitCode, InfrastructureError, Interrupted
from slogate.interrupts import StopFlag
from slogate.platform.base import Platform
from slogate.platform.registry import platform_for
from slogate.platform.state import StackState

_PORT_FLAGS = {
    "edge_port": "edge",
    "edge_metrics_port": "edge_metrics",
    "prometheus_port": "prometheus",
    "redis_port": "redis",
    "supervisor_port": "supervisor",
    "client_metrics_port": "client_metrics",
    "replicas_base_port": "replicas_base",
}


def _port_options(function: click.Command | click.decorators.FC) -> click.decorators.FC:
    for flag in reversed(list(_PORT_FLAGS)):
        option = "--" + flag.replace("_", "-")
        function = click.option(
            option, flag, type=click.IntRange(1, 65535), default=None,
            help=f"pin the {_PORT_FLAGS[flag].replace('_', ' ')} port",
        )(function)  # fmt: skip
    return function  # type: ignore[return-value]


def print_urls(state: StackState) -> None:
    """The URLs an engineer needs once the stack is ready."""
    click.echo(f"stack {state.stack!r} is ready")
    click.echo(f"  edge        {state.edge_url}")
    click.echo(f"  prometheus  {state.prometheus_url}")
    if state.supervisor_url is not None:
        click.echo(f"  supervisor  {state.supervisor_url}")
    for part in state.parts_of_kind("replica") + state.parts_of_kind("port-forward"):
        click.echo(f"  {part.name:<11} {part.url}")
    click.echo(f"  logs        {state.run_dir}/logs")


@click.command("up")
@stack_option
@config_option
@platform_option
@click.option("--replicas", type=click.IntRange(1, 32), default=None, help="number of replicas")
@click.option("--foreground", is_flag=True, help="stay attached; Ctrl-C stops the stack")
@click.option(
    "--no-seed", "no_seed", is_flag=True, help="do not run service.seed_command (empty data set)"
)
@_port_options
def up(
    stack: str,
    config_path: str | None,
    platform: str | None,
    replicas: int | None,
    foreground: bool,
    no_seed: bool,
    **ports: int | None,
) -> ExitCode:
    """Start Redis, the replicas, the HAProxy edge and Prometheus; return once ready.

    With --platform kubernetes: apply the kustomize root and wait for its rollouts."""
    config = load_config(config_path)
    if platform is not None:
        config = config.model_copy(update={"platform": platform})
    if replicas is not None:
        config = config.model_copy(
            update={"service": config.service.model_copy(update={"replicas": replicas})}
        )
    pinned = {_PORT_FLAGS[flag]: value for flag, value in ports.items() if value is not None}
    if pinned:
        config = config.model_copy(update={"ports": config.ports.model_copy(update=pinned)})
    stack_platform = platform_for(config.platform)
    if not foreground:
        with ProgressPrinter() as printer:
            state = stack_platform.start(config, stack, printer.event)
        _ready(stack_platform, config, state, no_seed)
        return ExitCode.OK
    stack_platform.preflight(config, stack)
    stop = StopFlag()
    stop.install()
    printer = ProgressPrinter()

    def on_ready(state: StackState) -> None:
        printer.__exit__(None, None, None)
        _ready(stack_platform, config, state, no_seed)
        click.echo("supervising; Ctrl-C or `slogate down` stops the stack", err=True)

    with printer:
        stack_platform.run_foreground(config, stack, printer.event, on_ready, stop)
    if stop.signal is not None and stop.signal != 15:
        raise Interrupted("stopped by Ctrl-C; the stack is down")
    return ExitCode.OK


def _ready(platform: Platform, config: SlogateConfig, state: StackState, no_seed: bool) -> None:
    """What an engineer needs once the stack is ready; seeded unless told not to or the stack
    takes no traffic."""
    if not platform.traffic(state):
        click.echo(f"stack {state.stack!r} is ready on {state.platform} (rolled out)")
        for part in state.parts:
            click.echo(f"  {part.kind:<11} {part.name}")
        click.echo(
            "  traffic     none: pods are simulated (no port-forward, no Prometheus, no seed)"
        )
        return
    print_urls(state)
    if not no_seed:
        _seed(platform, config, state)


def _seed(platform: Platform, config: SlogateConfig, state: StackState) -> None:
    """Run the service's seed command against the stack's data store (nothing if it has none)."""
    log = Path(state.run_dir) / "logs" / "seed.log"
    try:
        seeded = platform.seed(config, state, log)
    except InfrastructureError as error:
        raise InfrastructureError(
            f"{error}\nthe stack is up without its data set: fix the seed command and run it, "
            f"or `slogate down --stack {state.stack}`"
        ) from error
    if seeded:
        click.echo(f"  seeded      the data set (log: {log})")

"""`slogate init`: a starter project for your own service, then `validate` on it."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from slogate.cli.validate import validate_config
from slogate.errors import ExitCode, UsageError
from slogate.starter import FRAMEWORKS, Starter, starter_files


@click.command("init")
@click.option(
    "--command",
    "command",
    required=True,
    help="how to start one replica, e.g. 'node dist/main.js --port {port}' "
    "({python}, {host}, {port}, {replica} are filled in)",
)
@click.option(
    "--health",
    "health_path",
    default="/health",
    show_default=True,
    help="readiness path: the edge routes only to replicas answering 200 here",
)
@click.option(
    "--metrics",
    "metrics_path",
    default="/metrics",
    show_default=True,
    help="the path Prometheus scrapes",
)
@click.option(
    "--framework",
    type=click.Choice(sorted(FRAMEWORKS)),
    default="prometheus-client",
    show_default=True,
    help="whose request metric names the SLO file uses",
)
@click.option("--name", default=None, help="service name (default: the folder's name)")
@click.option(
    "--route",
    "routes",
    multiple=True,
    help="a GET route the starter load requests (repeatable; default: the API prefix)",
)
@click.option(
    "--api-prefix", default="/api/", show_default=True, help="routes under it count in the SLOs"
)
@click.option("--port-env", default=None, help="the variable the service reads its port from")
@click.option(
    "--rate",
    type=click.FloatRange(min=1, max=100_000),
    default=50.0,
    show_default=True,
    help="the starter gate's load (req/s)",
)
@click.option(
    "--availability",
    type=float,
    default=0.999,
    show_default=True,
    help="the availability objective",
)
@click.option("--dir", "folder", type=click.Path(path_type=Path), default=Path("."),
              help="project folder (default: this one)")  # fmt: skip
def init(
    command: str,
    health_path: str,
    metrics_path: str,
    framework: str,
    name: str | None,
    routes: tuple[str, ...],
    api_prefix: str,
    port_env: str | None,
    rate: float,
    availability: float,
    folder: Path,
) -> ExitCode:
    """Write slogate.yaml, an SLO file, a locustfile and profiles for a service, then
    validate them. Refuses to overwrite a file that exists (exit 2, naming it)."""
    folder = folder.resolve()
    try:
        arguments = shlex.split(command)
    except ValueError as error:
        raise UsageError(f"--command {command!r}: {error}") from None
    if not arguments:
        raise UsageError("--command: give the command that starts one replica")
    starter = Starter(
        name=name or _name_of(folder), command=arguments, health_path=health_path,
        metrics_path=metrics_path, routes=list(routes) or [api_prefix], api_prefix=api_prefix,
        framework=framework, port_env=port_env, rate=rate, availability=availability,
    )  # fmt: skip
    files = starter_files(starter)
    existing = [str(folder / path) for path in files if (folder / path).exists()]
    if existing:
        raise UsageError(
            f"not overwriting {', '.join(existing)}: move them away or use another --dir"
        )
    for path, text in files.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        click.echo(f"wrote {target}")
    return validate_config(str(folder / "slogate.yaml"))


def _name_of(folder: Path) -> str:
    """A service name from the folder's name (lower case; other characters become -)."""
    cleaned = "".join(c if c.isalnum() or c in "_.-" else "-" for c in folder.name.lower())
    return cleaned.strip("-_.") or "service"

"""`slogate dashboard SLO_FILE [-o FILE]`: a Grafana dashboard for the service and its SLOs."""

from __future__ import annotations

import json
from pathlib import Path

import click

from slogate.errors import ConfigError, ExitCode
from slogate.slo.dashboard import dashboard as build_dashboard
from slogate.slo.dashboard import panels
from slogate.slo.spec import load_spec


@click.command("dashboard")
@click.argument("slo_file", type=click.Path(path_type=Path))
@click.option(
    "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
    help="File to write (default: dashboards/NAME.json).",
)  # fmt: skip
def dashboard(slo_file: Path, output: Path | None) -> ExitCode:
    """Write a Grafana dashboard (JSON) from SLO_FILE: the service's RED, resource, Redis,
    event-loop, business and GC panels, and each objective's burn rate and budget left."""
    spec = load_spec(slo_file)
    path = output or Path("dashboards") / f"{spec.metadata.name}.json"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(build_dashboard(spec), indent=2) + "\n")
    except OSError as error:
        raise ConfigError(str(path), "", f"cannot be written ({error.strerror})") from None
    count = sum(len(panel.queries) for panel in panels(spec))
    click.echo(f"wrote {path} ({len(panels(spec))} panels, {count} queries)")
    return ExitCode.OK

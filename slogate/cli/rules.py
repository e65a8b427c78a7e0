"""`slogate rules SLO_FILE [-o DIR]`: Prometheus recording and burn-rate alert rules."""

from __future__ import annotations

from pathlib import Path

import click

from slogate.errors import ConfigError, ExitCode
from slogate.slo.prometheus_rule import write_prometheus_rule
from slogate.slo.rules import DEFAULT_MEMORY_LIMIT_BYTES, promtool_problems, write_rule_files
from slogate.slo.spec import load_spec


@click.command("rules")
@click.argument("slo_file", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "directory",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("rules"),
    show_default=True,
    help="Folder to write the rule files into.",
)
@click.option(
    "--operational/--no-operational",
    default=True,
    show_default=True,
    help="Also write the target's operational alerts.",
)
@click.option(
    "--memory-limit-bytes",
    type=int,
    default=DEFAULT_MEMORY_LIMIT_BYTES,
    show_default=True,
    help="A replica's memory limit (local platform; Kubernetes reads the pod's limit).",
)
@click.option(
    "--prometheus-rule",
    "prometheus_rule",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Also write the same rules as one Prometheus Operator PrometheusRule to this file "
    "(named SPEC-slo; k8s/prometheus-operator/).",
)
def rules(
    slo_file: Path,
    directory: Path,
    operational: bool,
    memory_limit_bytes: int,
    prometheus_rule: Path | None,
) -> ExitCode:
    """Write recording rules, multi-window multi-burn-rate alerts and no-data alerts.

    The files are checked with `promtool check rules` (Debian's prometheus package); rules it
    refuses are removed again and the command exits 2 naming the SLO file."""
    spec = load_spec(slo_file)
    written = write_rule_files(spec, directory, operational, memory_limit_bytes)
    problems = promtool_problems(written)
    if problems is not None:  # never leave rules behind that Prometheus would refuse
        for path in written:
            path.unlink(missing_ok=True)
        raise ConfigError(
            str(slo_file), "", f"the rules written from it fail `promtool check rules`: {problems}"
        )
    for path in written:
        click.echo(f"wrote {path}")
    click.echo("promtool check rules: ok")
    if prometheus_rule is not None:
        name = f"{spec.metadata.name}-slo"
        click.echo(f"wrote {write_prometheus_rule(written, prometheus_rule, name)} ({name})")
    return ExitCode.OK

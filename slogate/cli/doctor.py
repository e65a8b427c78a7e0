"""`slogate doctor`: the binaries found and their versions, free ports, file-descriptor limits."""

from __future__ import annotations

import resource

import click

from slogate.cli._stack_options import config_option
from slogate.config import load_config
from slogate.errors import ExitCode, MissingDependencyError
from slogate.platform.local.binaries import PACKAGES, binary_version, find_binary
from slogate.platform.local.ports import port_in_use

_MIN_OPEN_FILES = 4096


@click.command("doctor")
@config_option
def doctor(config_path: str | None) -> ExitCode:
    """Report what the local platform needs and what this machine has."""
    problems = 0
    for name, package in PACKAGES.items():
        try:
            binary = find_binary(name)
        except MissingDependencyError:
            problems += 1
            click.echo(f"missing  {name:<13} install: sudo apt-get install -y {package}")
            continue
        click.echo(f"ok       {name:<13} {binary_version(binary) or '?':<10} {binary.path}")
    config = load_config(config_path)
    for what, port in config.ports.model_dump().items():
        if port is None:
            continue
        if port_in_use(port):
            problems += 1
            click.echo(f"in use   port {port} pinned for {what}")
        else:
            click.echo(f"ok       port {port} pinned for {what} is free")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    verdict = "ok" if soft >= _MIN_OPEN_FILES else "low"
    click.echo(f"{verdict:<8} open files: soft {soft}, hard {hard} (load tests want >= 4096)")
    if soft < _MIN_OPEN_FILES:
        problems += 1
    click.echo("no problems found" if problems == 0 else f"{problems} problem(s) found")
    return ExitCode.OK if problems == 0 else ExitCode.USAGE

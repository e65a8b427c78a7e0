"""`slogate doctor`: the binaries found and their versions (the platform's, Locust, Chaos
Toolkit, chromium), free ports, file-descriptor limits."""

from __future__ import annotations

import resource

import click

from slogate.cli._stack_options import config_option
from slogate.config import SlogateConfig, load_config
from slogate.errors import ExitCode, UsageError
from slogate.host.tools import harness_tools
from slogate.platform.base import DoctorCheck
from slogate.platform.registry import platform_for

_MIN_OPEN_FILES = 4096


def _platform_checks(config: SlogateConfig) -> list[DoctorCheck]:
    """The platform's own checks; a platform that cannot be loaded (a Python package missing)
    is one missing piece, reported with its fix like the others."""
    try:
        platform = platform_for(config.platform)
    except UsageError as error:
        return [DoctorCheck(ok=False, status="missing", detail=str(error))]
    return platform.doctor(config)


@click.command("doctor")
@config_option
def doctor(config_path: str | None) -> ExitCode:
    """Report what the platform needs and what this machine has."""
    config = load_config(config_path)
    checks = _platform_checks(config) + harness_tools()
    for check in checks:
        click.echo(f"{check.status:<8} {check.detail}")
    problems = sum(1 for check in checks if not check.ok)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    verdict = "ok" if soft >= _MIN_OPEN_FILES else "low"
    click.echo(f"{verdict:<8} open files: soft {soft}, hard {hard} (load tests want >= 4096)")
    if soft < _MIN_OPEN_FILES:
        problems += 1
    click.echo("no problems found" if problems == 0 else f"{problems} problem(s) found")
    return ExitCode.OK if problems == 0 else ExitCode.USAGE

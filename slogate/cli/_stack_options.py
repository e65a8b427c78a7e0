"""Options shared by the commands that act on a named stack."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def stack_option(function: F) -> F:
    """`--stack NAME` (default `default`)."""
    return click.option(
        "--stack",
        default="default",
        show_default=True,
        help="name of the stack (state under .slogate/stacks/NAME)",
    )(function)


def config_option(function: F) -> F:
    """`--config FILE` (default ./slogate.yaml when it exists)."""
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False),
        default=None,
        help="slogate.yaml to read (default: ./slogate.yaml, or built-in defaults)",
    )(function)


def platform_option(function: F) -> F:
    """`--platform NAME` (default: slogate.yaml's `platform:`, or the stack's own)."""
    from slogate.platform.registry import PLATFORMS

    return click.option(
        "--platform",
        type=click.Choice(PLATFORMS),
        default=None,
        help="the platform (default: `platform:` in slogate.yaml; a stack that is up: its own)",
    )(function)

"""`--reports-dir`, shared by the commands that write or read run folders."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from slogate.report.store import DEFAULT_REPORTS_DIR

F = TypeVar("F", bound=Callable[..., Any])


def reports_dir_option(function: F) -> F:
    """`--reports-dir DIR` (default ./reports): where the run folders are."""
    return click.option(
        "--reports-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=DEFAULT_REPORTS_DIR,
        show_default=True,
        help="where run folders go",
    )(function)

"""The environment a run ran in: Python, slogate, the platform, host cores, tool versions."""

from __future__ import annotations

import os
import platform
import sys

from slogate import __version__
from slogate.errors import MissingDependencyError
from slogate.platform.local.binaries import PACKAGES, binary_version, find_binary
from slogate.report.model import Environment


def tool_versions(names: tuple[str, ...] = tuple(PACKAGES)) -> dict[str, str | None]:
    """Each system binary's version (None when it is missing or does not say)."""
    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = binary_version(find_binary(name))
        except MissingDependencyError:
            versions[name] = None
    return versions


def collect_environment(tools: dict[str, str | None] | None = None) -> Environment:
    """The environment of this process; `tools` defaults to the local platform's binaries."""
    return Environment(
        python=platform.python_version(),
        slogate=__version__,
        platform=f"{platform.system()} {platform.release()} {platform.machine()} "
        f"({sys.implementation.name})",
        host_cores=os.cpu_count(),
        tools=tool_versions() if tools is None else tools,
    )

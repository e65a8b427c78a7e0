"""The environment a run ran in: Python, slogate, the platform, host cores, tool versions
(collected here by the gate; the report only renders it)."""

from __future__ import annotations

import os
import platform
import sys

from slogate import __version__
from slogate.report.model import Environment


def collect_environment(tools: dict[str, str | None]) -> Environment:
    """The environment of this process, with the versions of the platform's `tools`."""
    return Environment(
        python=platform.python_version(),
        slogate=__version__,
        platform=f"{platform.system()} {platform.release()} {platform.machine()} "
        f"({sys.implementation.name})",
        host_cores=os.cpu_count(),
        tools=tools,
    )

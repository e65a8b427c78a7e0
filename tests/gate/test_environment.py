"""The environment the gate collects for the report: Python, slogate, cores, tool versions."""

from __future__ import annotations

import os
import platform
import re

from slogate import __version__
from slogate.gate.environment import collect_environment
from slogate.platform.registry import platform_for


def test_the_environment_names_versions_and_cores():
    environment = collect_environment(platform_for("local").tool_versions())
    assert environment.python == platform.python_version()
    assert environment.slogate == __version__
    assert environment.host_cores == os.cpu_count()
    assert set(environment.tools) == {"prometheus", "haproxy", "redis-server"}
    assert re.fullmatch(r"\d+\.\d+(\.\d+)?", environment.tools["prometheus"] or "")
    assert collect_environment(tools={"wrk": None}).tools == {"wrk": None}

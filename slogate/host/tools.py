"""The tools every platform's runs need on this machine, checked by `slogate doctor`: Locust
and Chaos Toolkit (run as `python -m locust` / `python -m chaostoolkit` with slogate's own
interpreter, so checked the same way) and chromium (the report check renders report.html in
it; only the test suite needs it, so its absence is reported, not counted as a problem)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

from slogate.platform.base import DoctorCheck

VERSION = re.compile(r"(\d+\.\d+(?:\.\d+)?)")
CHECK_TIMEOUT_S = 60.0
# module run with `python -m` -> what slogate uses it for
PYTHON_TOOLS = {"locust": "Locust, the load", "chaostoolkit": "Chaos Toolkit, the experiments"}
CHROMIUM = ("chromium", "chromium-browser")


def version_of(command: list[str]) -> tuple[str | None, str]:
    """(the version `command` prints, or None when it fails) and why it failed."""
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=CHECK_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return None, str(error)
    output = (done.stdout + done.stderr).strip()
    found = VERSION.search(output)
    if done.returncode != 0 or found is None:
        last = output.splitlines()[-1] if output else f"exit {done.returncode}"
        return None, last
    return found.group(1), ""


def python_tool(module: str) -> DoctorCheck:
    """`python -m MODULE --version` with slogate's interpreter."""
    found, why = version_of([sys.executable, "-m", module, "--version"])
    if found is None:
        detail = (
            f"{module:<13} {PYTHON_TOOLS[module]}: `{sys.executable} -m {module}` fails ({why}); "
            "install slogate's Python packages: make setup"
        )
        return DoctorCheck(ok=False, status="missing", detail=detail)
    return DoctorCheck(ok=True, status="ok", detail=f"{module:<13} {found:<10} {sys.executable}")


def chromium() -> DoctorCheck:
    """chromium on PATH: optional (the report check of the test suite)."""
    path = next((p for p in map(shutil.which, CHROMIUM) if p), None)
    if path is None:
        detail = (
            f"{'chromium':<13} not found: only the report check needs it; "
            "install: sudo apt-get install -y chromium (or scripts/system-packages.sh chromium)"
        )
        return DoctorCheck(ok=True, status="optional", detail=detail)
    found, _ = version_of([path, "--version"])
    return DoctorCheck(ok=True, status="ok", detail=f"{'chromium':<13} {found or '?':<10} {path}")


def harness_tools() -> list[DoctorCheck]:
    """Locust, Chaos Toolkit and chromium."""
    return [*map(python_tool, PYTHON_TOOLS), chromium()]

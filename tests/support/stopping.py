"""Stopping a process a test started: SIGTERM, then SIGKILL when it does not go in time."""

from __future__ import annotations

import subprocess
from typing import Any


def terminate(process: subprocess.Popen[Any], grace_s: float = 10) -> None:
    """SIGTERM and wait up to `grace_s`; SIGKILL after that (and reap it)."""
    process.terminate()
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)

"""Children of `slogate chaos` and `slogate run`: Chaos Toolkit, the background load, seeding.

Each leads its own process group (so a terminal's Ctrl-C reaches slogate alone, and slogate
decides the order of shutdown) and gets SIGTERM when slogate dies (PR_SET_PDEATHSIG), so even a
SIGKILLed slogate leaves no child running: Chaos Toolkit then plays its rollbacks and the load
runner stops Locust. The mechanics are the local platform's (`slogate.platform.local.processes`).
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from slogate.platform.local.processes import spawn, stop_process


def slogate_command(*arguments: str) -> list[str]:
    """`slogate ARGUMENTS` run with this interpreter (no console script needed)."""
    return [sys.executable, "-c", "from slogate.cli import main; main()", *arguments]


def spawn_child(
    command: list[str], log: Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start `command` in a new process group, output to `log`, SIGTERMed if we die."""
    return spawn(command, log, env=env, cwd=cwd, death_signal=signal.SIGTERM)


def stop_child(process: subprocess.Popen[bytes], grace_s: float) -> int:
    """SIGTERM the child's group, SIGKILL it after `grace_s`; its exit code."""
    code = stop_process(process, grace_s)
    return process.wait(timeout=10) if code is None else code

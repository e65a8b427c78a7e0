"""The slogate CLI as a user runs it (a subprocess), and SLOGATE_HOME for in-process reads."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SLOGATE = [sys.executable, "-c", "from slogate.cli import main; main()"]


def slogate(*arguments: str) -> list[str]:
    """The command line of `slogate ARGUMENTS` with this interpreter."""
    return [*SLOGATE, *arguments]


def slogate_env(home: Path) -> dict[str, str]:
    """This process's environment with SLOGATE_HOME at `home` (a test's own stacks)."""
    return {**os.environ, "SLOGATE_HOME": str(home)}


@contextmanager
def slogate_home(home: Path) -> Iterator[Path]:
    """SLOGATE_HOME set to `home` while in-process code reads stack state or ledgers; the
    previous value (or its absence) is restored afterwards."""
    previous = os.environ.get("SLOGATE_HOME")
    os.environ["SLOGATE_HOME"] = str(home)
    try:
        yield home
    finally:
        if previous is None:
            del os.environ["SLOGATE_HOME"]
        else:
            os.environ["SLOGATE_HOME"] = previous


def stop_slogate(process: subprocess.Popen[str], grace_s: float = 60) -> None:
    """Make sure a slogate process is gone, also when a test fails: SIGTERM first, so it stops
    its children and rolls back its faults as on Ctrl-C, SIGKILL after `grace_s`."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)

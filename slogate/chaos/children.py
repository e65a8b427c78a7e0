"""Child processes that die with slogate: own process group plus a parent-death signal.

`slogate chaos` starts Chaos Toolkit and the background load as children. Each leads its own
process group (so a terminal's Ctrl-C reaches slogate alone, and slogate decides the order of
shutdown) and asks the kernel for SIGTERM when slogate dies (PR_SET_PDEATHSIG), so even a
SIGKILLed slogate leaves no child running: Chaos Toolkit then plays its rollbacks and the load
runner stops Locust.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import time
from pathlib import Path

PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def spawn_child(
    command: list[str], log: Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start `command` in a new process group, output to `log`, SIGTERMed if we die."""
    parent = os.getpid()
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as handle:
        return subprocess.Popen(
            command,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=cwd,
            process_group=0,
            preexec_fn=lambda: _die_with_parent(parent),
        )


def signal_child_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def stop_child(process: subprocess.Popen[bytes], grace_s: float) -> int:
    """SIGTERM the child's group, SIGKILL it after `grace_s`; its exit code."""
    if process.poll() is None:
        signal_child_group(process, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        while process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
    signal_child_group(process, signal.SIGKILL)  # whatever the leader left in its group
    return process.wait(timeout=10)

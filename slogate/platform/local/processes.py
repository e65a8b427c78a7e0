"""Children of the supervisor: each in its own process group, logging to its own file.

A child gets `PR_SET_PDEATHSIG(SIGKILL)`, so it dies with the supervisor even if the
supervisor is SIGKILLed (children are started from the supervisor's main thread only: the
signal follows the thread that forked). `down` does not rely on it: it signals the recorded
process groups, checking each pid's start time first.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

from slogate.platform.state import ProcessRecord

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # runs in the child between fork and exec
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def spawn(
    command: list[str],
    log: Path,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    die_with_parent: bool = True,
) -> subprocess.Popen[bytes]:
    """Start `command` in a new session (its own process group), output appended to `log`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as output:
        output.write(f"--- {time.strftime('%H:%M:%S')} start: {' '.join(command)}\n".encode())
        output.flush()
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            cwd=cwd,
            start_new_session=True,
            preexec_fn=_die_with_parent if die_with_parent else None,
        )


def record(process: subprocess.Popen[bytes], log: Path) -> ProcessRecord:
    """The state-file record of a running child."""
    return ProcessRecord.of(process.pid, [str(a) for a in process.args], str(log))  # type: ignore[union-attr]


def signal_group(pid: int, signum: int) -> None:
    """Send `signum` to the process group led by `pid` (or the pid alone); ignore if gone."""
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, signum)
        else:
            os.kill(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def stop_process(process: subprocess.Popen[bytes], timeout: float) -> None:
    """SIGCONT + SIGTERM its group, SIGKILL after `timeout` s; reap it."""
    if process.poll() is None:
        signal_group(process.pid, signal.SIGCONT)
        signal_group(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)
    signal_group(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


def stop_recorded(records: list[ProcessRecord], timeout: float) -> list[int]:
    """Stop processes that are not our children (after the supervisor died); returns pids seen.

    Only a process whose pid and start time both match its record is signalled.
    """
    alive = [r for r in records if r.is_running()]
    for rec in alive:
        signal_group(rec.pid, signal.SIGCONT)
        signal_group(rec.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(r.is_running() for r in alive):
        time.sleep(0.05)
    for rec in alive:
        if rec.is_running():
            signal_group(rec.pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(r.is_running() for r in alive):
        time.sleep(0.05)
    return [r.pid for r in alive]


def group_members(pid: int) -> list[psutil.Process]:
    """Processes still in the group `pid` led (children a killed leader left behind)."""
    members = []
    for proc in psutil.process_iter(["pid"]):
        with contextlib.suppress(psutil.Error, ProcessLookupError):
            if os.getpgid(proc.pid) == pid:
                members.append(proc)
    return members

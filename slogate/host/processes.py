"""Child processes: each in its own process group, logging to its own file, dying with us.

The supervisor's parts and the children of `slogate chaos` / `slogate run` (Chaos Toolkit, the
load, seeding) are all started with `spawn` and stopped with `stop_process`. A child asks the
kernel for a signal when its parent dies (`PR_SET_PDEATHSIG`: SIGKILL for the supervisor's
parts, SIGTERM for chaos so Chaos Toolkit still plays its rollbacks), so even a SIGKILLed parent
leaves no child running. Children are started from the main thread only: the signal follows the
thread that forked. `down` does not rely on it: it signals the recorded process groups, checking
each pid's start time first.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

from slogate.platform.state import ProcessRecord

_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int, signum: int) -> None:  # in the child, between fork and exec
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)


def dies_with_us(signum: int) -> Callable[[], None]:
    """A `preexec_fn` for Popen: the child gets `signum` when this process (thread) dies."""
    parent = os.getpid()
    return lambda: _die_with_parent(parent, signum)


def spawn(
    command: list[str],
    log: Path,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    death_signal: int = signal.SIGKILL,
) -> subprocess.Popen[bytes]:
    """Start `command` in a new session (its own process group), output appended to `log`,
    `env` on top of ours; it gets `death_signal` when this process dies."""
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
            preexec_fn=dies_with_us(death_signal),
        )


def reap_in_background(process: subprocess.Popen[Any]) -> None:
    """Let a child outlive this command (`slogate up`'s port-forwards and supervisor) and still
    be reaped: a daemon thread waits for it, so whoever ends it (`down` from this or another
    process, a signal, itself) it leaves no zombie, and its Popen, which the thread holds until
    then, is never dropped while it runs (Python warns "subprocess N is still running").

    Waiting matters also for a stop by pid (`stop_recorded`): a multi-threaded child (kubectl)
    that exits shows its leader as a zombie while its other threads still exit, and cannot be
    reaped until they have; a single poll then finds it still running."""
    threading.Thread(target=process.wait, name=f"reap-{process.pid}", daemon=True).start()


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


def stop_process(process: subprocess.Popen[bytes], timeout: float) -> int | None:
    """SIGCONT + SIGTERM its group, SIGKILL the group after `timeout` s (also what the leader
    left in it); reap it. Its exit code (None if even SIGKILL did not end it within 5 s)."""
    if process.poll() is None:
        signal_group(process.pid, signal.SIGCONT)
        signal_group(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)
    signal_group(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)
    return process.returncode


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


def stop_leftovers(key: str, value: str, timeout: float = 5.0) -> list[int]:
    """Stop every process (but this one and its ancestors) whose environment has `key=value`:
    what a run's children started and left behind (a grandchild still exiting, an orphan of a
    SIGKILLed child). SIGTERM, then SIGKILL after `timeout`; the pids found."""
    mine = {os.getpid(), *(p.pid for p in psutil.Process().parents())}
    found = []
    for process in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            if process.pid not in mine and process.environ().get(key) == value:
                found.append(process)
    for process in found:
        with contextlib.suppress(psutil.Error):
            process.terminate()
    _, alive = psutil.wait_procs(found, timeout=timeout)
    for process in alive:
        with contextlib.suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(alive, timeout=5)
    return [process.pid for process in found]

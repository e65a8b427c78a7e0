"""The processes of a stack found without its state file (unreadable, or lost).

Every process a local stack starts leaves a trace under the stack's folder: the supervisor's
command line names its launch file, and every part writes its log there (its stdout is a file
in `run/logs/`; redis-server also works in `run/redis`). So `slogate down` can still stop a
stack whose state.json is corrupt: the supervisor first (it stops its parts gracefully), then
whatever is left.
"""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

import psutil

from slogate.host.processes import signal_group

SUPERVISOR_MODULE = "slogate.platform.local.daemon"


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder + os.sep)


def _belongs(process: psutil.Process, folder: str) -> bool:
    with contextlib.suppress(psutil.Error):
        if any(folder + os.sep in part or part == folder for part in process.cmdline()):
            return True
        if _inside(process.cwd(), folder):
            return True
        return any(_inside(f.path, folder) for f in process.open_files())
    return False


def stack_processes(folder: Path) -> list[psutil.Process]:
    """Processes (other than this one) whose command line, working folder or open files lie
    in the stack's folder."""
    root, me = str(folder.resolve()), os.getpid()
    return [p for p in psutil.process_iter() if p.pid != me and _belongs(p, root)]


def _stop(processes: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """SIGTERM (the group each leads), SIGKILL after `timeout`; those still alive after."""
    for process in processes:
        signal_group(process.pid, signal.SIGCONT)
        signal_group(process.pid, signal.SIGTERM)
    _, alive = psutil.wait_procs(processes, timeout=timeout)
    for process in alive:
        signal_group(process.pid, signal.SIGKILL)
    _, alive = psutil.wait_procs(alive, timeout=5)
    return alive


def stop_stack_processes(folder: Path, timeout: float) -> tuple[list[int], list[int]]:
    """Stop every process of the stack in `folder`: (pids stopped, pids still running)."""
    found = stack_processes(folder)
    supervisors = [p for p in found if _is_supervisor(p)]
    stopped = [p.pid for p in found]
    alive = _stop(supervisors, timeout)
    # a supervisor stops its parts before it exits: what is left was not its, or it was killed
    rest = [p for p in stack_processes(folder) if p.pid not in {s.pid for s in supervisors}]
    stopped += [p.pid for p in rest if p.pid not in stopped]
    alive += _stop(rest, 5.0)
    still = [p.pid for p in alive]
    return [pid for pid in stopped if pid not in still], still


def _is_supervisor(process: psutil.Process) -> bool:
    with contextlib.suppress(psutil.Error):
        return SUPERVISOR_MODULE in process.cmdline()
    return False

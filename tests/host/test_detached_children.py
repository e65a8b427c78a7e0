"""A child that outlives the command that started it (`slogate up`'s port-forwards and
supervisor) is reaped by a waiter thread of that process whenever it ends, so its Popen is
never dropped while it runs ("ResourceWarning: subprocess N is still running") and it never
lingers as a zombie; also in the race `down` meets with kubectl, a multi-threaded program whose
leader shows as a zombie while its other threads still exit (and which cannot be reaped until
they have). Real child processes; only `kubectl` is replaced by a Python child that exits in
two steps on signals, so the race is held open on purpose."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import warnings
from pathlib import Path

import psutil
import pytest

from slogate.host.processes import reap_in_background, record, spawn
from slogate.platform.kubernetes.port_forward import FORWARD_KIND, stop_forward_parts
from slogate.platform.state import PartState
from tests.support.waiting import wait_until

# the main thread exits on SIGUSR1 (the leader becomes a zombie), a second thread lives on
# until SIGUSR2 and then ends the process
TWO_STEP_EXIT = """
import ctypes, os, signal, threading
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR1, signal.SIGUSR2])
def last_thread():
    signal.sigwait([signal.SIGUSR2])
    os._exit(0)
threading.Thread(target=last_thread).start()
print("listen" + "ing", flush=True)
signal.sigwait([signal.SIGUSR1])
ctypes.CDLL(None).pthread_exit(None)
"""


def _started(command: list[str], log: Path) -> tuple[subprocess.Popen[bytes], PartState]:
    process = spawn(command, log, death_signal=0)  # as `up` starts a forward: detached
    wait_until(lambda: b"listening" in log.read_bytes(), 30, what="the child to start")
    part = PartState(name="forward-target", kind=FORWARD_KIND, process=record(process, log))
    return process, part


def _zombie_leader_of_a_live_process(pid: int) -> bool:
    child = psutil.Process(pid)
    return child.status() == psutil.STATUS_ZOMBIE and child.num_threads() > 1


def _gone(pid: int) -> bool:
    """Ended and reaped (a zombie still has its pid)."""
    return not psutil.pid_exists(pid)


def test_a_detached_forward_that_down_stops_is_reaped_at_once(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "import time; print('listen' + 'ing', flush=True); "
               "time.sleep(120)"]  # fmt: skip
    process, part = _started(command, tmp_path / "forward.log")
    reap_in_background(process)
    pid = process.pid
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        del process  # `up` returns: nothing but the waiter holds the Popen
        gc.collect()
        assert stop_forward_parts([part]) == [pid]
        wait_until(lambda: _gone(pid), 10, what="the stopped forward to be reaped")
        gc.collect()
    assert [str(w.message) for w in caught] == []


@pytest.mark.parametrize("reaped", [True, False], ids=["reaped-by-a-waiter", "dropped"])
def test_a_forward_whose_leader_already_exited_is_reaped_when_its_last_thread_ends(
    tmp_path: Path, reaped: bool
) -> None:
    process, part = _started([sys.executable, "-c", TWO_STEP_EXIT], tmp_path / "forward.log")
    if reaped:
        reap_in_background(process)
    pid = process.pid
    os.kill(pid, signal.SIGUSR1)
    wait_until(lambda: _zombie_leader_of_a_live_process(pid), 10, what="the leader to exit")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        del process
        gc.collect()
        assert stop_forward_parts([part]) == []  # a zombie leader looks ended: not signalled
        os.kill(pid, signal.SIGUSR2)  # its last thread ends
        if not reaped:  # the weakened path: nobody waits for it; reap it for the next test
            os.waitpid(pid, 0)
        wait_until(lambda: _gone(pid), 10, what="the forward to be reaped")
        gc.collect()
    warned = [str(w.message) for w in caught]
    assert warned == ([] if reaped else [f"subprocess {pid} is still running"])

"""Child processes that never outlive the control plane.

Each component runs in its own session (process group), so Ctrl-C at the terminal reaches
pytest, not the components, and the teardown stops them in order; stopping signals the whole
group (SIGTERM, then SIGKILL after a grace period). On Linux each child also gets
PR_SET_PDEATHSIG, so even a SIGKILLed pytest leaves no component running.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

STOP_GRACE_S = 10.0
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Runs in the child between fork and exec: SIGKILL me when my parent dies."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


@dataclass
class Component:
    """One running component: its name, process and log file."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path
    stopped: bool = field(default=False)

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError as error:
            return f"(no log: {error})"
        return "\n".join(text.splitlines()[-lines:])

    def check_alive(self) -> None:
        """Raise naming the component and quoting its log when it has exited."""
        code = self.process.poll()
        if code is not None:
            raise ComponentExited(
                f"{self.name} exited with code {code}; last lines of {self.log}:\n{self.log_tail()}"
            )

    def pause(self) -> None:
        """SIGSTOP the component's process group: it holds still until `resume()`."""
        _signal_group(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        _signal_group(self.process.pid, signal.SIGCONT)

    def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        """SIGTERM the component's process group, SIGKILL it after `grace_s`."""
        if self.stopped:
            return
        self.stopped = True
        pgid = self.process.pid  # the child leads its own session, so pgid == pid
        _signal_group(pgid, signal.SIGCONT)  # a paused component could not act on SIGTERM
        _signal_group(pgid, signal.SIGTERM)
        try:
            self.process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            _signal_group(pgid, signal.SIGKILL)
            self.process.wait(timeout=grace_s)
        # Anything the component forked is in the same group: make sure it is gone too.
        _signal_group(pgid, signal.SIGKILL)


class ComponentExited(RuntimeError):
    """A control-plane component exited while it should be running."""


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


def start_component(
    name: str, argv: list[str], log: Path, env: dict[str, str] | None = None
) -> Component:
    """Start `argv` in its own session with stdout and stderr appended to `log`."""
    with log.open("ab") as output:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,  # only prctl: safe between fork and exec
            env=env,
        )
    return Component(name=name, process=process, log=log)

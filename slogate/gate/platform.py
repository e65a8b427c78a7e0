"""The stack of one gate run, owned by this process: up, supervised by a thread, always down.

The supervisor (restarts, process faults, its control API) needs its loop turned while the
gate runs load and chaos; a daemon thread turns it. That thread also stops every part before
it ends: the kernel sends a child its parent-death signal (SIGKILL for the supervisor's
children) when the *thread* that spawned it exits, so a replica the thread restarted must be
stopped (SIGTERM, drained) before the thread is gone. `down` runs on every way out.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from slogate.config import SlogateConfig
from slogate.platform.local.launcher import preflight
from slogate.platform.local.stack import LocalStack
from slogate.platform.state import StackState

JOIN_MARGIN_S = 15.0


class _SupervisorLoop(threading.Thread):
    def __init__(self, stack: LocalStack) -> None:
        super().__init__(name="slogate-supervisor", daemon=True)
        self.stack = stack
        self.done = threading.Event()

    def run(self) -> None:
        try:
            while not self.done.is_set():
                self.stack.supervisor.tick(0.05)
        finally:
            # before this thread exits: what it restarted dies with it (PR_SET_PDEATHSIG)
            self.stack.supervisor.stop_all()


def check_platform(config: SlogateConfig, stack: str) -> None:
    """Binaries, pinned ports, the stack name and that it is not already up (exit 2 if not)."""
    preflight(config, stack)


class GateStack:
    """The stack of one run: `up` (this process supervises it), `down` (idempotent)."""

    def __init__(
        self,
        config: SlogateConfig,
        stack: str,
        on_event: Callable[[dict[str, Any]], None],
        should_stop: Callable[[], bool],
    ) -> None:
        self.local = LocalStack(config, stack, progress=on_event, should_stop=should_stop)
        self.loop: _SupervisorLoop | None = None
        self.state: StackState | None = None

    def up(self) -> StackState:
        """Start every part on free ports (unless pinned); cleans up itself when it fails."""
        self.state = self.local.up()
        self.loop = _SupervisorLoop(self.local)
        self.loop.start()
        return self.state

    def down(self) -> None:
        if self.loop is not None:
            self.loop.done.set()  # the loop stops every part, then ends
            self.loop.join(timeout=self.local.config.timings.stop_timeout_s + JOIN_MARGIN_S)
            self.loop = None
        self.local.down()

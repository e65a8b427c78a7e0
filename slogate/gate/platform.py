"""The stack of one gate run, owned by this process: up, supervised by a thread, always down.

The supervisor (restarts, process faults, its control API) needs its loop turned while the
gate runs load and chaos; a daemon thread turns it. `down` runs on every way out.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from slogate.config import SlogateConfig
from slogate.platform.local.launcher import preflight
from slogate.platform.local.stack import LocalStack
from slogate.platform.state import StackState


class _SupervisorLoop(threading.Thread):
    def __init__(self, stack: LocalStack) -> None:
        super().__init__(name="slogate-supervisor", daemon=True)
        self.stack = stack
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.stack.supervisor.tick(0.05)


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
            self.loop.done.set()
            self.loop.join(timeout=10)
            self.loop = None
        self.local.down()

"""Set-up work that overlaps the stack's own start-up.

Prometheus' first scrape comes about 5 s after its start (its target-update throttle) while
every other part is ready within about 3 s. In that gap the gate seeds the data set (the
service's seed command, as `slogate up` runs it, once Redis answers) and starts the load
generator (once the edge is ready: interpreter, Locust, the client metrics server, the first
scrape of those metrics), held before its first request until the stack is ready and seeded.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from typing import Any

from slogate.chaos.children import stop_child
from slogate.platform.local.ports import HOST
from slogate.platform.local.seeding import Seeding
from slogate.platform.local.stack import LocalStack

LOAD_STOP_GRACE_S = 15.0
LoadStarter = Callable[[str, int], subprocess.Popen[bytes]]


class EarlyStarts:
    """Listens to the stack's progress events; `take_load` hands the load over."""

    def __init__(self, stack: LocalStack, seeding: Seeding | None, start_load: LoadStarter):
        self.stack = stack
        self.seeding = seeding
        self.start_load = start_load
        self.load: subprocess.Popen[bytes] | None = None

    def on_event(self, event: dict[str, Any]) -> None:
        if event.get("event") != "part" or event.get("phase") != "ready":
            return
        ports = self.stack.ports
        if ports is None:
            return
        if event.get("part") == "redis" and self.seeding is not None:
            self.seeding.start(ports.redis)
        elif event.get("part") == "edge" and self.load is None:
            self.load = self.start_load(f"http://{HOST}:{ports.edge}", ports.client_metrics)

    def finish_seeding(self) -> None:
        if self.seeding is not None:
            self.seeding.wait()

    def take_load(self) -> subprocess.Popen[bytes] | None:
        load, self.load = self.load, None
        return load

    def stop(self) -> None:
        """What was started here and not handed over (set-up failed or was interrupted)."""
        if self.seeding is not None:
            self.seeding.stop()
        load = self.take_load()
        if load is not None:
            stop_child(load, LOAD_STOP_GRACE_S)

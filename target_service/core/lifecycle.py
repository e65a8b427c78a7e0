"""Where the process is in its life: starting, serving, shutting down.

Readiness is derived from it (and from a `readiness_off` fault): a replica is ready once
started, until the first SIGTERM/SIGINT.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class Lifecycle:
    started: bool = False
    shutdown_requested_at: float | None = None
    created_at: float = field(default_factory=time.monotonic)

    @property
    def shutting_down(self) -> bool:
        return self.shutdown_requested_at is not None

    def request_shutdown(self) -> None:
        if self.shutdown_requested_at is None:
            self.shutdown_requested_at = time.monotonic()

    def seconds_since_shutdown_requested(self) -> float:
        if self.shutdown_requested_at is None:
            return 0.0
        return time.monotonic() - self.shutdown_requested_at

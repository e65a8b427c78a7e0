"""Ctrl-C and SIGTERM during a gate: the first interrupts (KeyboardInterrupt), later ones are
counted and ignored, so a second Ctrl-C cannot cut the clean-up short."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class InterruptSignals:
    def __init__(self) -> None:
        self.received: list[int] = []
        self.shielded = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.received.append(signum)
        if len(self.received) == 1 and not self.shielded:
            raise KeyboardInterrupt

    def stop_requested(self) -> bool:
        return bool(self.received)

    @contextmanager
    def installed(self) -> Iterator[InterruptSignals]:
        previous = {s: signal.signal(s, self) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield self
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    @contextmanager
    def shield(self) -> Iterator[None]:
        """Clean-up in progress: signals are noted, never raised."""
        before, self.shielded = self.shielded, True
        try:
            yield
        finally:
            self.shielded = before

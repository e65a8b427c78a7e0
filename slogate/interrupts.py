"""Ctrl-C and SIGTERM while slogate runs something that must be cleaned up.

The first SIGINT/SIGTERM raises KeyboardInterrupt where the main thread is; later ones, and any
that arrive while a clean-up is shielded, are only counted, so a second Ctrl-C cannot cut the
clean-up short (Chaos Toolkit's own trap). Used by `slogate chaos`, `slogate run` and `slogate up`.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class InterruptSignals:
    """Install with `installed()` (main thread only); wrap clean-ups in `shield()`."""

    def __init__(self) -> None:
        self.received: list[int] = []
        self.shielded = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.received.append(signum)
        if len(self.received) == 1 and not self.shielded:
            raise KeyboardInterrupt

    def stop_requested(self) -> bool:
        """True once any SIGINT/SIGTERM arrived."""
        return bool(self.received)

    @contextmanager
    def installed(self) -> Iterator[InterruptSignals]:
        """This object handles SIGINT and SIGTERM inside the block; the previous handlers after."""
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


class StopFlag:
    """Set by SIGTERM / SIGINT; polled by loops that supervise something until asked to stop."""

    def __init__(self) -> None:
        self.signal: int | None = None

    def __call__(self) -> bool:
        return self.signal is not None

    def install(self) -> None:
        def handler(signum: int, frame: FrameType | None) -> None:
            self.signal = signum

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)

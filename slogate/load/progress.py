"""Progress of a load run on the terminal: a live line on a TTY, plain lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.text import Text

PLAIN_EVERY_S = 5.0


def describe(status: dict[str, Any]) -> str:
    """One line: elapsed, offered vs achieved start rate, errors, p95 from intended start."""
    elapsed = float(status.get("elapsed_s") or 0.0)
    loaded = max(min(elapsed, float(status.get("duration_s") or elapsed)), 1e-9)
    p95 = status.get("p95_ms")
    achieved = status.get("starts", 0) / loaded
    offered = status.get("expected_starts", 0.0) / loaded
    line = (
        f"{elapsed:6.1f} s  offered {offered:7.1f}/s  achieved {achieved:7.1f}/s  "
        f"completed {status.get('completed', 0)}  errors {status.get('errors', 0)}  "
        f"late {status.get('late', 0)}  missed {status.get('missed', 0)}  "
        f"p95 {'-' if p95 is None else f'{p95:.1f} ms'}"
    )
    if status.get("saturated"):
        line += "  LOAD GENERATOR SATURATED"
    return line


class Progress:
    """Shows statuses as they come; use as a context manager."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.live: Live | None = None
        self.last_plain = 0.0
        self.finished_shown = False

    def __enter__(self) -> Progress:
        if self.console.is_terminal:
            self.live = Live(Text("starting Locust..."), console=self.console, transient=False)
            self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.__exit__(None, None, None)

    def __call__(self, status: dict[str, Any]) -> None:
        line = describe(status)
        if self.live is not None:
            self.live.update(Text(line))
            return
        finished = bool(status.get("finished"))
        if finished and self.finished_shown:
            return
        if time.monotonic() - self.last_plain >= PLAIN_EVERY_S or finished:
            self.last_plain = time.monotonic()
            self.finished_shown = finished
            print(line, file=sys.stderr, flush=True)

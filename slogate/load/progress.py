"""Progress of a load run on the terminal: a live line on a TTY, plain lines otherwise."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from slogate.cli.live import LiveLine


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
        self.line = LiveLine(console, placeholder="starting Locust...", transient=False)
        self.finished_shown = False

    def __enter__(self) -> Progress:
        self.line.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.line.__exit__(*exc)

    def __call__(self, status: dict[str, Any]) -> None:
        finished = bool(status.get("finished"))
        if finished and self.finished_shown and self.line.live is None:
            return
        self.finished_shown = self.finished_shown or finished
        self.line.update(describe(status), force=finished)

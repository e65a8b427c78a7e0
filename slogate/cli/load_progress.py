"""`slogate load`'s progress on the terminal: a live line on a TTY, plain lines otherwise."""

from __future__ import annotations

from rich.console import Console

from slogate.cli.live import LiveLine
from slogate.load.status import LoadStatus


def p95_text(status: LoadStatus) -> str:
    return "-" if status.p95_ms is None else f"{status.p95_ms:.1f} ms"


def saturation_note(status: LoadStatus) -> str:
    return "  LOAD GENERATOR SATURATED" if status.saturated else ""


def describe(status: LoadStatus) -> str:
    """One line: elapsed, offered vs achieved start rate, errors, p95 from intended start."""
    elapsed = status.elapsed_s
    loaded = max(min(elapsed, status.duration_s or elapsed), 1e-9)
    achieved = status.starts / loaded
    offered = status.expected_starts / loaded
    return (
        f"{elapsed:6.1f} s  offered {offered:7.1f}/s  achieved {achieved:7.1f}/s  "
        f"completed {status.completed}  errors {status.errors}  "
        f"late {status.late}  missed {status.missed}  p95 {p95_text(status)}"
    ) + saturation_note(status)


class LoadProgress:
    """Shows statuses as they come; use as a context manager."""

    def __init__(self, console: Console | None = None) -> None:
        self.line = LiveLine(console, placeholder="starting Locust...", transient=False)
        self.finished_shown = False

    def __enter__(self) -> LoadProgress:
        self.line.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.line.__exit__(*exc)

    def __call__(self, status: LoadStatus) -> None:
        if status.finished and self.finished_shown and self.line.live is None:
            return
        self.finished_shown = self.finished_shown or status.finished
        self.line.update(describe(status), force=status.finished)

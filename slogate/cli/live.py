"""Progress output of long commands: live on a terminal (rich), plain lines otherwise (CI)."""

from __future__ import annotations

import sys
import time

import click
from rich.console import Console
from rich.live import Live
from rich.status import Status
from rich.text import Text

from slogate.platform.base import StackEvent


class ProgressPrinter:
    """Prints the stack's progress events as they arrive."""

    def __init__(self, live: bool | None = None) -> None:
        self.live = sys.stdout.isatty() if live is None else live
        self._console = Console(highlight=False) if self.live else None
        self._status: Status | None = None

    def __enter__(self) -> ProgressPrinter:
        if self._console is not None:
            self._status = self._console.status("starting the stack")
            self._status.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    def event(self, event: StackEvent) -> None:
        """Show one event from the stack's start-up."""
        port = f" on port {event.port}" if event.port else ""
        line = f"{event.t:6.2f}s  {event.part} {event.phase}{port}"
        if self._console is not None and self._status is not None:
            mark = "[green]✓[/green]" if event.phase == "ready" else "[blue]•[/blue]"
            self._console.print(f"{mark} {line}")
            self._status.update(f"waiting: {event.part} {event.phase}")
        else:
            click.echo(line)


class LiveLine:
    """One status line: updated in place on a terminal (rich), printed every few seconds otherwise.

    Used by the long-running commands (`slogate load`, `slogate run`) so that a terminal shows a
    live line and a CI log gets plain lines at a readable pace. Use as a context manager.
    """

    def __init__(
        self,
        console: Console | None = None,
        placeholder: str = "starting...",
        transient: bool = True,
        plain_every_s: float = 5.0,
    ) -> None:
        self.console = console or Console(stderr=True)
        self.placeholder = placeholder
        self.transient = transient
        self.plain_every_s = plain_every_s
        self.live: Live | None = None
        self._last_plain = 0.0

    def __enter__(self) -> LiveLine:
        if self.console.is_terminal:
            self.live = Live(Text(self.placeholder), console=self.console, transient=self.transient)
            self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.__exit__(None, None, None)
            self.live = None

    def update(self, line: str, force: bool = False) -> None:
        """Show `line`: at once on a terminal; otherwise when due (or when `force`)."""
        if self.live is not None:
            self.live.update(Text(line))
        elif force or time.monotonic() - self._last_plain >= self.plain_every_s:
            self._last_plain = time.monotonic()
            print(line, file=sys.stderr, flush=True)

    def say(self, message: str) -> None:
        """A line that stays (phase changes, warnings), above the live line on a terminal."""
        if self.live is not None:
            self.live.console.print(message, markup=False, highlight=False)
        else:
            print(message, file=sys.stderr, flush=True)

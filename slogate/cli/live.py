"""Progress output of long commands: live on a terminal (rich), plain lines otherwise (CI)."""

from __future__ import annotations

import sys
from typing import Any

import click
from rich.console import Console
from rich.status import Status


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

    def event(self, event: dict[str, Any]) -> None:
        """Show one event from the stack (`part`, `phase`, `t`, optional `port`)."""
        if event.get("event") != "part":
            return
        port = f" on port {event['port']}" if event.get("port") else ""
        line = f"{event['t']:6.2f}s  {event['part']} {event['phase']}{port}"
        if self._console is not None and self._status is not None:
            mark = "[green]✓[/green]" if event["phase"] == "ready" else "[blue]•[/blue]"
            self._console.print(f"{mark} {line}")
            self._status.update(f"waiting: {event['part']} {event['phase']}")
        else:
            click.echo(line)

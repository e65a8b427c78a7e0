"""What a gate shows while it runs: the phase, elapsed/remaining, live rate, errors, p95 and
the active faults. A live line on a terminal; plain lines (every few seconds) otherwise."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from slogate.cli.live import LiveLine
from slogate.platform.base import StackEvent


def describe(
    phase: str, status: dict[str, Any], total_s: float, rate: float | None, faults: list[str]
) -> str:
    elapsed = float(status.get("elapsed_s") or 0.0)
    p95 = status.get("p95_ms")
    line = (
        f"[{phase}] {elapsed:5.1f}/{total_s:g} s ({max(0.0, total_s - elapsed):4.0f} s left)  "
        f"rate {'-' if rate is None else f'{rate:6.1f}/s'}  errors {status.get('errors', 0)}  "
        f"p95 {'-' if p95 is None else f'{p95:.1f} ms'}  faults {', '.join(faults) or 'none'}"
    )
    if status.get("saturated"):
        line += "  LOAD GENERATOR SATURATED"
    return line


class GateProgress:
    """Progress of one gate run (use as a context manager)."""

    def __init__(self, console: Console | None = None) -> None:
        self.line = LiveLine(console)
        self.phase = ""
        self._previous: tuple[float, int] | None = None

    def __enter__(self) -> GateProgress:
        self.line.__enter__()
        self.enter("set-up")
        return self

    def __exit__(self, *exc: object) -> None:
        self.line.__exit__(*exc)

    def say(self, message: str) -> None:
        """A line that stays (phase changes, warnings)."""
        self.line.say(message)

    def enter(self, phase: str) -> None:
        if phase != self.phase:
            self.phase = phase
            self.say(f"== {phase}")

    def stack_event(self, event: StackEvent) -> None:
        if event.phase == "ready" and event.part == "stack":
            self.say(f"stack ready after {event.t:.1f} s")

    def load_status(self, status: dict[str, Any], total_s: float, faults: list[str]) -> None:
        elapsed, starts = float(status.get("elapsed_s") or 0.0), int(status.get("starts") or 0)
        rate = None
        if self._previous is not None and elapsed > self._previous[0]:
            rate = (starts - self._previous[1]) / (elapsed - self._previous[0])
        if self._previous is None or elapsed - self._previous[0] >= 1.0:
            self._previous = (elapsed, starts)
        if status.get("finished") or elapsed >= total_s:
            rate = None  # the schedule has ended: a rate of 0/s would read as an outage
        self.line.update(describe(self.phase, status, total_s, rate, faults))

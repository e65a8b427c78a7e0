"""What `slogate run` shows while a gate runs: the phase, elapsed/remaining, live rate, errors,
p95 and the active faults. A live line on a terminal; plain lines (every few seconds)
otherwise. Implements `slogate.gate.progress.GateProgress`."""

from __future__ import annotations

from rich.console import Console

from slogate.cli.live import LiveLine
from slogate.cli.load_progress import p95_text, saturation_note
from slogate.load.status import LoadStatus
from slogate.platform.base import StackEvent


def describe(
    phase: str, status: LoadStatus, total_s: float, rate: float | None, faults: list[str]
) -> str:
    elapsed = status.elapsed_s
    return (
        f"[{phase}] {elapsed:5.1f}/{total_s:g} s ({max(0.0, total_s - elapsed):4.0f} s left)  "
        f"rate {'-' if rate is None else f'{rate:6.1f}/s'}  errors {status.errors}  "
        f"p95 {p95_text(status)}  faults {', '.join(faults) or 'none'}"
    ) + saturation_note(status)


class LiveGateProgress:
    """Progress of one gate run on the terminal (use as a context manager)."""

    def __init__(self, console: Console | None = None) -> None:
        self.line = LiveLine(console)
        self.phase = ""
        self._previous: tuple[float, int] | None = None

    def __enter__(self) -> LiveGateProgress:
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

    def load_status(self, status: LoadStatus, total_s: float, faults: list[str]) -> None:
        elapsed, starts = status.elapsed_s, status.starts
        rate = None
        if self._previous is not None and elapsed > self._previous[0]:
            rate = (starts - self._previous[1]) / (elapsed - self._previous[0])
        if self._previous is None or elapsed - self._previous[0] >= 1.0:
            self._previous = (elapsed, starts)
        if status.finished or elapsed >= total_s:
            rate = None  # the schedule has ended: a rate of 0/s would read as an outage
        self.line.update(describe(self.phase, status, total_s, rate, faults))

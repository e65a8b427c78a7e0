"""What `slogate run` shows while a gate runs: a line per stage (pre-flight, set-up, each load
phase, evaluation, report, tear-down) with the run's elapsed time and the ETA of the whole run;
then during the stack's start and the load a status line (the part starting; the phase,
elapsed/remaining, live rate, errors, p95 and the active faults). The status line updates in
place on a terminal and is printed every few seconds otherwise (CI). Implements
`slogate.gate.progress.GateProgress`."""

from __future__ import annotations

import time
from collections.abc import Mapping

from rich.console import Console

from slogate.cli.live import LiveLine
from slogate.cli.load_progress import p95_text, saturation_note
from slogate.gate.eta import RunClock, stage_of
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


def run_time(elapsed_s: float, remaining_s: float | None) -> str:
    """`run 12.3 s, ETA 40 s` (the whole run's time left; none before the plan is known)."""
    eta = "" if remaining_s is None else f", ETA {remaining_s:.0f} s"
    return f"run {elapsed_s:.1f} s{eta}"


class LiveGateProgress:
    """Progress of one gate run on the terminal (use as a context manager)."""

    def __init__(self, console: Console | None = None) -> None:
        self.line = LiveLine(console)
        self.phase = ""
        self._previous: tuple[float, int] | None = None
        self._started = time.monotonic()
        self.clock: RunClock | None = None
        self._load_seen: tuple[float, float] | None = None  # (run time, load's elapsed) last seen

    def __enter__(self) -> LiveGateProgress:
        self._started = time.monotonic()
        self.line.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.line.__exit__(*exc)
        if self.phase:
            self.say(f"== done  (run {self.elapsed_s():.1f} s)")

    def elapsed_s(self) -> float:
        return time.monotonic() - self._started

    def timing(self, load_elapsed_s: float | None = None) -> str:
        """The run's elapsed time and ETA, as shown on every line. In the load, its own clock
        (starting the load takes a few seconds) carried forward from its last status."""
        at = self.elapsed_s()
        if load_elapsed_s is None and self._load_seen is not None:
            load_elapsed_s = self._load_seen[1] + at - self._load_seen[0]
        left = None if self.clock is None else self.clock.remaining_s(at, load_elapsed_s)
        return run_time(at, left)

    def plan(self, load_s: float, estimates: Mapping[str, float]) -> None:
        self.clock = RunClock(load_s, dict(estimates))

    def say(self, message: str) -> None:
        """A line that stays (phase changes, warnings)."""
        self.line.say(message)

    def enter(self, phase: str) -> None:
        if phase != self.phase:
            self.phase = phase
            if self.clock is not None:
                self.clock.enter(stage_of(phase), self.elapsed_s())
            self.say(f"== {phase}  ({self.timing()})")
            if self.line.live is not None:  # the terminal's one live line names the stage too
                self.line.update(f"[{phase}]  ({self.timing()})")

    def stack_event(self, event: StackEvent) -> None:
        if event.phase == "ready" and event.part == "stack":
            self.say(f"stack ready after {event.t:.1f} s")
        else:
            self.line.update(f"[{self.phase}] {event.part} {event.phase}  ({self.timing()})")

    def load_status(self, status: LoadStatus, total_s: float, faults: list[str]) -> None:
        elapsed, starts = status.elapsed_s, status.starts
        rate = None
        if self._previous is not None and elapsed > self._previous[0]:
            rate = (starts - self._previous[1]) / (elapsed - self._previous[0])
        if self._previous is None or elapsed - self._previous[0] >= 1.0:
            self._previous = (elapsed, starts)
        if status.finished or elapsed >= total_s:
            rate = None  # the schedule has ended: a rate of 0/s would read as an outage
        if self.clock is not None:
            self.clock.load_s = total_s
        self._load_seen = (self.elapsed_s(), min(elapsed, total_s))
        timing = self.timing(self._load_seen[1])
        self.line.update(f"{describe(self.phase, status, total_s, rate, faults)}  ({timing})")

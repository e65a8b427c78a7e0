"""`slogate load`'s progress on the terminal: a live line on a TTY, plain lines otherwise.

While a stage of the schedule runs, the line gives that stage's offered rate and the rate
achieved since the stage began (a staged profile such as `stress` steps from 250 to 2,000
req/s: the run's average would hide where it stands); after the schedule, the whole run's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import Console

from slogate.cli.live import LiveLine
from slogate.load.profiles import Stage
from slogate.load.schedule import stage_at
from slogate.load.status import LoadStatus

MIN_STAGE_SPAN_S = 0.5  # an achieved rate over less time than this is shown as "-"


def p95_text(status: LoadStatus) -> str:
    return "-" if status.p95_ms is None else f"{status.p95_ms:.1f} ms"


def saturation_note(status: LoadStatus) -> str:
    return "  LOAD GENERATOR SATURATED" if status.saturated else ""


@dataclass(frozen=True)
class StageStart:
    """Where the achieved rate of a stage is counted from: the first status seen in it (the
    schedule's start for the first stage)."""

    stage: int
    elapsed_s: float
    starts: int


def _rate(value: float | None) -> str:
    return "      -/s" if value is None else f"{value:7.1f}/s"


def _counts(status: LoadStatus) -> str:
    return (
        f"completed {status.completed}  errors {status.errors}  late {status.late}  "
        f"missed {status.missed}  p95 {p95_text(status)}"
    ) + saturation_note(status)


def describe(
    status: LoadStatus, stages: Sequence[Stage] = (), since: StageStart | None = None
) -> str:
    """One line: elapsed, offered vs achieved start rate, errors, p95 from intended start.

    With the schedule's `stages`, while a stage runs: its number (when there are several),
    its rate and the rate achieved since `since` (the stage's start); otherwise the averages
    over the schedule so far."""
    elapsed = status.elapsed_s
    stage = None if status.finished else stage_at(stages, elapsed)
    if stage is None:
        loaded = max(min(elapsed, status.duration_s or elapsed), 1e-9)
        return (
            f"{elapsed:6.1f} s  offered {_rate(status.expected_starts / loaded)}  "
            f"achieved {_rate(status.starts / loaded)}  {_counts(status)}"
        )
    if stage == 0:
        since = StageStart(0, 0.0, 0)
    achieved = None
    span = elapsed - since.elapsed_s if since is not None else 0.0
    if since is not None and since.stage == stage and span >= MIN_STAGE_SPAN_S:
        achieved = (status.starts - since.starts) / span
    label = f"stage {stage + 1}/{len(stages)}  " if len(stages) > 1 else ""
    return (
        f"{elapsed:6.1f} s  {label}offered {_rate(stages[stage].rate)}  "
        f"achieved {_rate(achieved)}  {_counts(status)}"
    )


class LoadProgress:
    """Shows statuses as they come (of a run of `stages`); use as a context manager."""

    def __init__(self, console: Console | None = None, stages: Sequence[Stage] = ()) -> None:
        self.line = LiveLine(console, placeholder="starting Locust...", transient=False)
        self.finished_shown = False
        self.stages = list(stages)
        self.since: StageStart | None = None

    def __enter__(self) -> LoadProgress:
        self.line.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.line.__exit__(*exc)

    def __call__(self, status: LoadStatus) -> None:
        if status.finished and self.finished_shown and self.line.live is None:
            return
        self.finished_shown = self.finished_shown or status.finished
        stage = stage_at(self.stages, status.elapsed_s)
        if stage is not None and (self.since is None or self.since.stage != stage):
            self.since = StageStart(stage, status.elapsed_s, status.starts)
        self.line.update(describe(status, self.stages, self.since), force=status.finished)

"""How long the rest of a gate run takes: the ETA that `slogate run` shows at every stage.

A run goes through five stages: set-up (sweep, stack up), load (warm-up, the judged phases,
recovery), evaluation, report, tear-down. The load lasts as planned, after the seconds Locust
takes to start (`load-start`, until its first status). The other stages, and `load-start`, are
estimated from the last finished run of the same gate in the reports folder (its timeline), or
else from defaults; a stage that has finished counts what it took, and a stage that runs past
its estimate counts as ending now. Fault phases that settling extends are judged within the
load that ran, so they move no end.

    stage_of, RunClock   pure
    measured_estimates   reads the last report of the gate
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

SET_UP, LOAD, EVALUATION, REPORT, TEAR_DOWN = "set-up", "load", "evaluation", "report", "tear-down"
PRE_FLIGHT, LOAD_START = "pre-flight", "load-start"
STAGES = (PRE_FLIGHT, SET_UP, LOAD, EVALUATION, REPORT, TEAR_DOWN)
# seconds, from local-platform runs on a 2-core machine; replaced by measured figures
DEFAULT_ESTIMATES: Mapping[str, float] = {
    PRE_FLIGHT: 0.5, SET_UP: 8.0, LOAD_START: 5.0, EVALUATION: 3.0, REPORT: 1.0, TEAR_DOWN: 4.0,
}  # fmt: skip
LOAD_PHASES = ("warm-up", "baseline", "fault", "recovery")


def stage_of(phase: str) -> str:
    """The stage a gate phase belongs to (`fault:pod-kill` and `baseline` are the load)."""
    return LOAD if phase.split(":")[0] in LOAD_PHASES else phase


@dataclass
class RunClock:
    """Where a run is and what remains; times are seconds since the run started."""

    load_s: float
    estimates: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_ESTIMATES))
    taken: dict[str, float] = field(default_factory=dict)
    stage: str = PRE_FLIGHT
    stage_started: float = 0.0

    def enter(self, stage: str, at: float) -> None:
        """The run entered `stage` at `at`; the stage before it took until now."""
        if stage == self.stage:
            return
        self.taken[self.stage] = self.taken.get(self.stage, 0.0) + at - self.stage_started
        self.stage, self.stage_started = stage, at

    def expected_s(self, stage: str) -> float:
        """How long `stage` is expected to take in all."""
        if stage == LOAD:
            return self.estimates.get(LOAD_START, DEFAULT_ESTIMATES[LOAD_START]) + self.load_s
        return self.estimates.get(stage, DEFAULT_ESTIMATES.get(stage, 0.0))

    def remaining_s(self, at: float, load_elapsed_s: float | None = None) -> float:
        """Seconds until the run ends: the rest of this stage and every later one. In the load,
        the load's own clock (`load_elapsed_s`) is more exact than the stage's start."""
        if self.stage not in STAGES:
            return 0.0
        in_stage = at - self.stage_started
        if self.stage == LOAD and load_elapsed_s is not None:
            rest = max(self.load_s - load_elapsed_s, 0.0)
        elif self.stage == LOAD:  # Locust not started yet: all of the load is still to come
            rest = self.load_s + max(self.expected_s(LOAD) - self.load_s - in_stage, 0.0)
        else:
            rest = max(self.expected_s(self.stage) - in_stage, 0.0)
        later = STAGES[STAGES.index(self.stage) + 1 :]
        return rest + sum(self.expected_s(stage) for stage in later)

    def total_s(self, at: float, load_elapsed_s: float | None = None) -> float:
        """The run's expected length as known at `at`."""
        return at + self.remaining_s(at, load_elapsed_s)


def measured_estimates(reports_dir: Path, gate: str) -> dict[str, float]:
    """Stage durations of the gate's last finished run in `reports_dir` (defaults for the
    stages it lacks); unreadable reports are skipped, never an error."""
    estimates = dict(DEFAULT_ESTIMATES)
    candidates = sorted(reports_dir.glob(f"*{gate}*/report.json"), reverse=True)
    for path in candidates[:5]:
        try:
            document = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if document.get("gate") != gate:
            continue
        timeline = [span for span in document.get("timeline", []) if isinstance(span, dict)]
        spans = {
            span["name"]: span["end"] - span["start"]
            for span in timeline
            if span.get("end") is not None and "start" in span
        }
        for stage in (SET_UP, EVALUATION, REPORT, TEAR_DOWN):
            if stage in spans and spans[stage] >= 0:
                estimates[stage] = float(spans[stage])
        starts = {span.get("name"): span.get("start") for span in timeline}
        load_at, warm_up_at = starts.get(LOAD), starts.get("warm-up")
        if isinstance(load_at, float) and isinstance(warm_up_at, float):
            estimates[LOAD_START] = max(warm_up_at - load_at, 0.0)
        return estimates
    return estimates

"""Phase windows of a run, from its timeline (the load's real start and end) and the ledger.

    warm-up    [load start, load start + warmup_s]                 not judged
    baseline   [end of warm-up, first fault applied]
    fault:X    [X's first fault applied, X's last fault ended]     from the ledger; without a
                                                                   ledger entry (a fault the
                                                                   platform heals itself) the
                                                                   experiment's own span
    recovery   [last fault ended, load end]

A run cut short (abort, Ctrl-C) gets the windows it reached, clipped at the load's end.
"""

from __future__ import annotations

from dataclasses import dataclass

from slogate.chaos.ledger import Fault
from slogate.gate.plan import GatePlan
from slogate.gate.traffic import TrafficOutcome
from slogate.slo.evaluate import Window

MATCH_SLACK_S = 1.0


@dataclass(frozen=True)
class PhaseWindow:
    label: str  # baseline, fault:pod-kill, recovery
    kind: str  # baseline | fault | recovery
    window: Window
    objectives: tuple[str, ...]
    experiment: str | None = None

    @property
    def in_fault(self) -> bool:
        return self.kind == "fault"


def experiment_spans(
    outcome: TrafficOutcome, faults: list[Fault], run_end: float
) -> list[tuple[str, float, float]]:
    """(experiment name, fault start, fault end) for each experiment that started."""
    spans = []
    for run in outcome.chaos:
        if run.started_at is None:
            continue
        ended = run.ended_at if run.ended_at is not None else run_end
        own = [
            f for f in faults
            if run.started_at - MATCH_SLACK_S <= f.intended_at <= ended + MATCH_SLACK_S
        ]  # fmt: skip
        if own:
            start = min(f.applied_at if f.applied_at is not None else f.intended_at for f in own)
            end = max(f.ended_at if f.ended_at is not None else ended for f in own)
        else:
            start, end = run.started_at, ended
        spans.append((run.experiment.stem, start, min(end, run_end)))
    return spans


def phase_windows(
    plan: GatePlan, outcome: TrafficOutcome, faults: list[Fault]
) -> list[PhaseWindow]:
    """The judged windows of the run, in time order (empty when the load never started)."""
    start, end = outcome.load_started_at, outcome.load_ended_at
    if start is None or end is None:
        return []
    objectives = plan.gate.objectives
    warmed = min(start + plan.gate.warmup_s, end)
    spans = experiment_spans(outcome, faults, end)
    first_fault = spans[0][1] if spans else end
    windows = [
        PhaseWindow("baseline", "baseline", Window(start=warmed, end=max(warmed, first_fault)),
                    tuple(objectives.baseline))
    ]  # fmt: skip
    for name, fault_start, fault_end in spans:
        windows.append(
            PhaseWindow(f"fault:{name}", "fault", Window(start=fault_start, end=fault_end),
                        tuple(objectives.fault), name)
        )  # fmt: skip
    if spans:
        last = spans[-1][2]
        windows.append(
            PhaseWindow("recovery", "recovery", Window(start=last, end=max(last, end)),
                        tuple(objectives.recovery))
        )  # fmt: skip
    return windows

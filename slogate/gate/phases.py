"""Phase windows of a run, from the load's real start and end and the ledger's faults.

    warm-up    [load start, load start + warmup_s]                 not judged
    baseline   [end of warm-up, first fault applied]               and never before
                                                                   `evidence_from` (one scrape
                                                                   after every scrape target's
                                                                   first sample)
    fault:X    [X's first fault applied, X's last fault ended]     the ledger's faults that
                                                                   carry X's id; without any
                                                                   (a fault the platform heals
                                                                   itself) X's own span
    recovery   [last fault ended, load end]

A run cut short (abort, Ctrl-C) gets the windows it reached, clipped at the load's end.
Pure: every input is data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from slogate.chaos.ledger import Fault
from slogate.config import PhaseObjectives
from slogate.slo.evaluate import Window

PhaseKind = Literal["baseline", "fault", "recovery"]


def fault_label(experiment: str) -> str:
    """The name of an experiment's fault phase: `fault:pod-kill`."""
    return f"fault:{experiment}"


@dataclass(frozen=True)
class ExperimentSpan:
    """When one experiment of the run ran (its Chaos Toolkit child), by its id."""

    experiment_id: str  # handed to the child as SLOGATE_EXPERIMENT_ID; tags its faults
    name: str  # the experiment file's stem
    started_at: float
    ended_at: float | None


@dataclass(frozen=True)
class PhaseWindow:
    label: str  # baseline, fault:pod-kill, recovery
    kind: PhaseKind
    window: Window
    objectives: tuple[str, ...]
    experiment: str | None = None
    # a fault phase lengthened beyond its disruption to supply the requests its objectives
    # need (settling.py): when the disruption was over; time to recover counts from there
    faults_over: float | None = None

    @property
    def in_fault(self) -> bool:
        return self.kind == "fault"


def fault_spans(
    experiments: Sequence[ExperimentSpan], faults: Sequence[Fault], run_end: float
) -> list[tuple[str, float, float]]:
    """(experiment name, fault start, fault end) for each experiment that started."""
    spans = []
    for experiment in experiments:
        ended = experiment.ended_at if experiment.ended_at is not None else run_end
        own = [f for f in faults if f.experiment == experiment.experiment_id]
        if own:
            start = min(f.applied_at if f.applied_at is not None else f.intended_at for f in own)
            end = max(f.disturbed_until(ended) for f in own)
        else:
            start, end = experiment.started_at, ended
        spans.append((experiment.name, start, min(end, run_end)))
    return spans


def phase_windows(
    load_started_at: float | None,
    load_ended_at: float | None,
    warmup_s: float,
    objectives: PhaseObjectives,
    experiments: Sequence[ExperimentSpan],
    faults: Sequence[Fault],
    evidence_from: float | None = None,
) -> list[PhaseWindow]:
    """The judged windows of the run, in time order (empty when the load never ran).

    The load warms up while Prometheus' first scrapes are still to come (its target-update
    throttle): with `evidence_from` given, the baseline starts no earlier, so each count's
    first end is a real sample of every target."""
    start, end = load_started_at, load_ended_at
    if start is None or end is None:
        return []
    warmed = min(max(start + warmup_s, evidence_from or start), end)
    spans = fault_spans(experiments, faults, end)
    first_fault = spans[0][1] if spans else end
    windows = [
        PhaseWindow("baseline", "baseline", Window(start=warmed, end=max(warmed, first_fault)),
                    tuple(objectives.baseline))
    ]  # fmt: skip
    for name, fault_start, fault_end in spans:
        windows.append(
            PhaseWindow(fault_label(name), "fault", Window(start=fault_start, end=fault_end),
                        tuple(objectives.fault), name)
        )  # fmt: skip
    if spans:
        last = spans[-1][2]
        windows.append(
            PhaseWindow("recovery", "recovery", Window(start=last, end=max(last, end)),
                        tuple(objectives.recovery))
        )  # fmt: skip
    return windows

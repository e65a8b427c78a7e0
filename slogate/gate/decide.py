"""The gate's verdict from its evidence: one pure function, no I/O.

    decide(RunEvidence) -> Decision(exit_code, status, partial_reason, notes)

What each piece of evidence stands for (the exit-code contract; when several apply, the first
in this order wins: 2, 4, 130, 1, 3, 0):

    a step ended early (set-up, judging, tear-down)     its error's code
    the load never started (not interrupted)            4
    the harness around the load failed (overran, ...)   4
    faults that could not be rolled back                4
    an experiment with no journal (not stopped by us)   4
    interrupted (Ctrl-C / SIGTERM)                      130, partial report
    aborted on breach                                   1, partial report
    an experiment's journal verdict (not stopped by us) its code (deviated: 1, ...)
    the gating objectives of every judged phase         1 FAIL / 3 INCONCLUSIVE / 0 PASS
    a hole in a phase's evidence (holes.py) not         its PASS verdicts at that place
      explained by a fault                              become INCONCLUSIVE (a FAIL stays:
                                                        the breach was seen in what is there)
    time to recover outside its objective               1 FAIL / 3 INCONCLUSIVE
    client and server disagree outside faults           3 (a harness problem)
    the load generator reported problems (saturation)   3 (not when interrupted)
    no phase judged (the load ended before one)         3 (not when aborted or interrupted)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from slogate.errors import ExitCode, combine_exit_codes
from slogate.gate.evidence import RunEvidence
from slogate.gate.holes import ALL_PLACES, Hole
from slogate.report.model import PhaseResults, RunStatus
from slogate.slo.evaluate import ObjectiveResult, exit_code_of
from slogate.slo.stats import Verdict

VERDICT_CODES = {Verdict.FAIL: ExitCode.BREACHED, Verdict.INCONCLUSIVE: ExitCode.INCONCLUSIVE}
INTERRUPTED_REASON = "interrupted (Ctrl-C or SIGTERM)"


@dataclass(frozen=True)
class Decision:
    exit_code: ExitCode
    status: RunStatus
    partial_reason: str | None = None
    notes: list[str] = field(default_factory=list)
    phases: list[PhaseResults] = field(default_factory=list)  # the verdicts, holes applied


def _unproven(result: ObjectiveResult, holes: list[Hole], origin: float) -> ObjectiveResult:
    """A PASS that rests on evidence with holes at its place is INCONCLUSIVE."""
    relevant = [h for h in holes if h.place in (result.place, ALL_PLACES)]
    if not relevant or result.verdict is not Verdict.PASS:
        return result
    said = "; ".join(hole.describe(origin) for hole in relevant)
    reason = f"{result.reason}; INCONCLUSIVE: the evidence has holes ({said})"
    return result.model_copy(update={"verdict": Verdict.INCONCLUSIVE, "reason": reason})


def apply_holes(phases: list[PhaseResults], holes: list[Hole], origin: float) -> list[PhaseResults]:
    """Each phase's results with the unexplained holes of that phase applied."""
    judged = []
    for phase in phases:
        own = [h for h in holes if h.phase == phase.phase and h.expected_by is None]
        results = [_unproven(result, own, origin) for result in phase.results]
        judged.append(phase.model_copy(update={"results": results}))
    return judged


class _Tally:
    def __init__(self) -> None:
        self.codes: list[ExitCode] = []
        self.notes: list[str] = []
        self.phases: list[PhaseResults] = []

    def add(self, code: ExitCode | None, note: str | None = None) -> None:
        if code is not None:
            self.codes.append(code)
        if note:
            self.notes.append(note)


def _load(evidence: RunEvidence, tally: _Tally) -> None:
    load = evidence.load
    if load is None:
        return
    stopped_by_us = evidence.interrupted or load.aborted is not None
    if load.started_at is None and not evidence.interrupted:
        tally.add(ExitCode.INFRASTRUCTURE, f"the load never started; see {load.log}")
    for problem in load.problems:
        tally.add(ExitCode.INFRASTRUCTURE, problem)
    if not evidence.interrupted:
        for problem in load.generator_problems:
            tally.add(ExitCode.INCONCLUSIVE, f"load generator: {problem}")
    if load.aborted is not None:
        tally.add(ExitCode.BREACHED, load.aborted)
    if load.rollback_errors:
        errors = "; ".join(load.rollback_errors)
        tally.add(ExitCode.INFRASTRUCTURE, f"faults could not be rolled back: {errors}")
    for experiment in evidence.experiments:
        if experiment.verdict is None:
            if not stopped_by_us:
                note = f"{experiment.name}: no journal; see {experiment.run_dir}/chaos.log"
                tally.add(ExitCode.INFRASTRUCTURE, note)
            continue
        tally.add(None if stopped_by_us else experiment.verdict.exit_code)
        for reason in experiment.verdict.reasons:
            tally.add(None, f"{experiment.name}: {reason}")


def _measurements(evidence: RunEvidence, tally: _Tally) -> None:
    failure = evidence.measurement_failure
    if failure is not None:
        tally.add(None if evidence.interrupted else failure.exit_code, failure.note)
    measured = evidence.measurements
    if measured is None:
        return
    if measured.partial:
        tally.add(None, "interrupted: the phases are judged up to the interruption")
    tally.notes += measured.notes
    origin = evidence.load.started_at if evidence.load and evidence.load.started_at else 0.0
    for hole in measured.holes:
        prefix = "" if hole.expected_by else "evidence hole: "
        tally.add(None, prefix + hole.describe(origin))
    tally.phases = apply_holes(measured.phases, measured.holes, origin)
    results = [result for phase in tally.phases for result in phase.results]
    aborted = evidence.load is not None and evidence.load.aborted is not None
    if results:
        tally.add(exit_code_of(results))
    elif not (aborted or measured.partial):
        tally.add(
            ExitCode.INCONCLUSIVE, "no phase was judged (the load never reached a judged phase)"
        )
    for recovery in measured.recoveries:
        if recovery.verdict in VERDICT_CODES:
            tally.add(VERDICT_CODES[recovery.verdict])
    if measured.harness_suspect:
        tally.add(ExitCode.INCONCLUSIVE)


def decide(evidence: RunEvidence) -> Decision:
    """The run's exit code, status and notes (harness problems, warnings) from its evidence."""
    tally = _Tally()
    for failure in evidence.failures:
        tally.add(failure.exit_code, failure.note)
    _measurements(evidence, tally)
    _load(evidence, tally)
    tally.notes += evidence.notes
    if evidence.interrupted:
        tally.add(ExitCode.INTERRUPTED)
    notes = list(dict.fromkeys(tally.notes))
    code = combine_exit_codes(tally.codes)
    if evidence.interrupted:
        return Decision(code, RunStatus.PARTIAL, INTERRUPTED_REASON, notes, tally.phases)
    if evidence.load is not None and evidence.load.aborted is not None:
        return Decision(code, RunStatus.PARTIAL, evidence.load.aborted, notes, tally.phases)
    return Decision(code, RunStatus.COMPLETE, None, notes, tally.phases)

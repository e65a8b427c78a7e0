"""The gate's decision as a pure function: named scenarios of evidence -> exit code, status,
notes. No process, no Prometheus: every input is data (RunEvidence)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from slogate.chaos.journal import JournalVerdict
from slogate.errors import ExitCode
from slogate.gate.decide import decide
from slogate.gate.evidence import (
    ExperimentEvidence,
    Failure,
    LoadEvidence,
    Measurements,
    RunEvidence,
)
from slogate.report.model import JournalBrief, PhaseResults, Recovery, RunStatus
from slogate.slo.evaluate import ObjectiveResult, Window
from slogate.slo.stats import Verdict

T0 = 1_800_000_000.0
LOG = Path("/runs/x/load.log")


def result(verdict: Verdict, gating: bool = True, name: str = "availability") -> ObjectiveResult:
    return ObjectiveResult(
        objective=name, sli="availability", place="server", gating=gating, verdict=verdict,
        reason=f"{verdict.value} by construction",
    )  # fmt: skip


def measured(*results: ObjectiveResult, **fields: object) -> Measurements:
    phase = PhaseResults(phase="baseline", window=Window(start=T0, end=T0 + 30), results=results)
    return Measurements(phases=[phase] if results else [], **fields)  # type: ignore[arg-type]


def ran(**fields: object) -> LoadEvidence:
    return LoadEvidence(log=LOG, started_at=T0, ended_at=T0 + 60, **fields)  # type: ignore[arg-type]


def experiment(verdict: JournalVerdict | None) -> ExperimentEvidence:
    return ExperimentEvidence(
        experiment_id="0-pod-kill", name="pod-kill", run_dir=Path("/runs/x/chaos/0-pod-kill"),
        journal=None if verdict is None else {"status": verdict.status},
        verdict=verdict, brief=JournalBrief(title="pod kill", status="x", deviated=False),
    )  # fmt: skip


def recovery(verdict: Verdict) -> Recovery:
    return Recovery(
        fault_id="fault:pod-kill", kind="pod-kill", fault_ended=T0 + 40, recovered_at=None,
        verdict=verdict,
    )  # fmt: skip


PASSING = RunEvidence(load=ran(), measurements=measured(result(Verdict.PASS)))
DEVIATED = JournalVerdict(ExitCode.BREACHED, "completed", ["steady state deviated after"])

# name -> (evidence, exit code, status, a note that must be there or None)
SCENARIOS: dict[str, tuple[RunEvidence, ExitCode, RunStatus, str | None]] = {
    "every objective met": (PASSING, ExitCode.OK, RunStatus.COMPLETE, None),
    "a gating objective breached": (
        replace(PASSING, measurements=measured(result(Verdict.PASS), result(Verdict.FAIL))),
        ExitCode.BREACHED, RunStatus.COMPLETE, None,
    ),
    "a non-gating objective breached decides nothing": (
        replace(PASSING, measurements=measured(result(Verdict.PASS), result(Verdict.FAIL, False))),
        ExitCode.OK, RunStatus.COMPLETE, None,
    ),
    "an inconclusive objective": (
        replace(PASSING, measurements=measured(result(Verdict.INCONCLUSIVE))),
        ExitCode.INCONCLUSIVE, RunStatus.COMPLETE, None,
    ),
    "a breach beats an inconclusive neighbour": (
        replace(PASSING, measurements=measured(result(Verdict.INCONCLUSIVE), result(Verdict.FAIL))),
        ExitCode.BREACHED, RunStatus.COMPLETE, None,
    ),
    "no phase judged is never a pass": (
        replace(PASSING, measurements=measured()),
        ExitCode.INCONCLUSIVE, RunStatus.COMPLETE, "no phase was judged",
    ),
    "client and server disagree outside faults": (
        replace(PASSING, measurements=measured(result(Verdict.PASS), harness_suspect=True)),
        ExitCode.INCONCLUSIVE, RunStatus.COMPLETE, None,
    ),
    "not recovered in time": (
        replace(PASSING, measurements=measured(result(Verdict.PASS),
                                               recoveries=[recovery(Verdict.FAIL)])),
        ExitCode.BREACHED, RunStatus.COMPLETE, None,
    ),
    "recovery could not be told": (
        replace(PASSING, measurements=measured(result(Verdict.PASS),
                                               recoveries=[recovery(Verdict.INCONCLUSIVE)])),
        ExitCode.INCONCLUSIVE, RunStatus.COMPLETE, None,
    ),
    "a saturated load generator": (
        replace(PASSING, load=ran(generator_problems=("saturated for 4 s",))),
        ExitCode.INCONCLUSIVE, RunStatus.COMPLETE, "load generator: saturated for 4 s",
    ),
    "the load never started": (
        RunEvidence(load=LoadEvidence(log=LOG)),
        ExitCode.INFRASTRUCTURE, RunStatus.COMPLETE, f"the load never started; see {LOG}",
    ),
    "the load overran": (
        replace(PASSING, load=ran(problems=("the load overran its time limit (95 s)",))),
        ExitCode.INFRASTRUCTURE, RunStatus.COMPLETE, "the load overran its time limit (95 s)",
    ),
    "faults left behind": (
        replace(PASSING, load=ran(rollback_errors=("latency on replica-0 (ab12): refused",))),
        ExitCode.INFRASTRUCTURE, RunStatus.COMPLETE, "faults could not be rolled back",
    ),
    "an experiment without a journal": (
        replace(PASSING, experiments=(experiment(None),)),
        ExitCode.INFRASTRUCTURE, RunStatus.COMPLETE, "pod-kill: no journal; see",
    ),
    "an experiment whose steady state deviated": (
        replace(PASSING, experiments=(experiment(DEVIATED),)),
        ExitCode.BREACHED, RunStatus.COMPLETE, "pod-kill: steady state deviated after",
    ),
    "aborted on breach": (
        replace(PASSING, load=ran(aborted="aborted on breach: 40 errors"), experiments=(
            experiment(None),), measurements=measured()),
        ExitCode.BREACHED, RunStatus.PARTIAL, "aborted on breach: 40 errors",
    ),
    "interrupted during the load, judged so far": (
        replace(PASSING, interrupted=True, experiments=(experiment(DEVIATED),),
                load=ran(generator_problems=("saturated for 1 s",)),
                measurements=measured(result(Verdict.FAIL), partial=True)),
        ExitCode.INTERRUPTED, RunStatus.PARTIAL, "judged up to the interruption",
    ),
    "interrupted during set-up": (
        RunEvidence(load=None, interrupted=True),
        ExitCode.INTERRUPTED, RunStatus.PARTIAL, None,
    ),
    "the stack did not come up": (
        RunEvidence(load=None, failures=(
            Failure(ExitCode.INFRASTRUCTURE, "InfrastructureError: edge not ready"),)),
        ExitCode.INFRASTRUCTURE, RunStatus.COMPLETE, "InfrastructureError: edge not ready",
    ),
    "bad input beats a failed tear-down": (
        RunEvidence(load=None, failures=(
            Failure(ExitCode.INFRASTRUCTURE, "tear-down failed: x"),
            Failure(ExitCode.USAGE, "UsageError: port 9090 in use"))),
        ExitCode.USAGE, RunStatus.COMPLETE, "tear-down failed: x",
    ),
    "Prometheus unreachable when judging": (
        replace(PASSING, measurements=None,
                measurement_failure=Failure(ExitCode.INCONCLUSIVE, "could not be judged: down")),
        ExitCode.INCONCLUSIVE, RunStatus.COMPLETE, "could not be judged: down",
    ),
    "an infrastructure problem beats a breach": (
        replace(PASSING, measurements=measured(result(Verdict.FAIL)),
                load=ran(problems=("the load generator did not start; see load.log",))),
        ExitCode.INFRASTRUCTURE, RunStatus.COMPLETE, None,
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_decision(name: str) -> None:
    evidence, code, status, note = SCENARIOS[name]
    decision = decide(evidence)
    assert (decision.exit_code, decision.status) == (code, status)
    if note is not None:
        assert any(note in line for line in decision.notes), decision.notes
    assert (decision.partial_reason is not None) == (status is RunStatus.PARTIAL)


def test_what_we_stopped_ourselves_is_not_held_against_the_run() -> None:
    """Interrupted: no 'no journal' (4) for an experiment slogate stopped, no saturation (3)
    note, the deviated journal's code not counted (its reasons still shown)."""
    evidence = SCENARIOS["interrupted during the load, judged so far"][0]
    notes = decide(replace(evidence, experiments=(experiment(None),))).notes
    assert not any("no journal" in line or "load generator" in line for line in notes)
    shown = decide(evidence).notes
    assert "pod-kill: steady state deviated after" in shown


def test_a_judging_failure_after_an_interruption_is_a_note_not_a_code() -> None:
    failure = Failure(ExitCode.INFRASTRUCTURE, "the phases before the interruption could not")
    decision = decide(RunEvidence(load=ran(), interrupted=True, measurement_failure=failure))
    assert decision.exit_code is ExitCode.INTERRUPTED
    assert decision.notes == ["the phases before the interruption could not"]


def test_notes_are_kept_once_in_order() -> None:
    evidence = replace(
        PASSING, notes=("logs copied to reports/x", "logs copied to reports/x"),
        measurements=measured(result(Verdict.PASS), notes=["fault:a: 3 client errors"]),
    )  # fmt: skip
    assert decide(evidence).notes == ["fault:a: 3 client errors", "logs copied to reports/x"]

"""Everything a gate run produced, gathered once into typed data for the decision.

    RunEvidence
    ├── load                  when the load really ran, what went wrong with it
    ├── experiments           each experiment that started: its id, journal (read once) and
    │                         the journal's verdict
    ├── faults                the ledger's faults of this run (tagged with experiment ids)
    ├── windows               the judged phase windows (phases.py; `measure` ends each fault
    │                         phase where Prometheus saw its replicas back, settling.py)
    ├── measurements          what Prometheus said: per-phase verdicts, client vs server,
    │                         time to recover, chart series, holes in the evidence (None
    │                         when never asked)
    └── failures              errors that ended a step early (set-up, judging, tear-down)

`gather_evidence` reads files (journals, the load summary) and `measure` asks Prometheus;
`gate/decide.py` turns the result into a verdict without any I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx

from slogate.chaos.journal import JournalVerdict, read_journal, verdict_of_journal
from slogate.chaos.ledger import Fault
from slogate.errors import ExitCode, SlogateError
from slogate.gate.client_latency import client_latency
from slogate.gate.holes import Hole, client_scraped_until, holes_in, load_generator_stopped
from slogate.gate.measurable import Unmeasured
from slogate.gate.phases import PhaseWindow, phase_windows
from slogate.gate.plan import GatePlan
from slogate.gate.series import chart_series
from slogate.gate.settling import settle_fault_phases
from slogate.gate.traffic import TrafficOutcome
from slogate.gate.verdicts import compare_client_server, evaluate_phases, time_to_recover
from slogate.report.journal import brief_journal
from slogate.report.model import (
    CountComparison,
    JournalBrief,
    PhaseResults,
    Recovery,
    RouteLatency,
    TimeSeries,
)
from slogate.slo.evaluate import Window
from slogate.slo.final_samples import await_final_samples
from slogate.slo.prometheus import PrometheusClient
from slogate.slo.spec import Place


@dataclass(frozen=True)
class Failure:
    """A step that ended early, with the exit code it stands for."""

    exit_code: ExitCode
    note: str

    @classmethod
    def of(cls, error: SlogateError) -> Failure:
        return cls(error.exit_code, f"{type(error).__name__}: {error}")


@dataclass(frozen=True)
class ExperimentEvidence:
    """One experiment that started, with its journal read once."""

    experiment_id: str
    name: str
    run_dir: Path
    journal: dict[str, Any] | None
    verdict: JournalVerdict | None
    brief: JournalBrief


@dataclass(frozen=True)
class LoadEvidence:
    """How the load went (all empty when it never started)."""

    log: Path
    started_at: float | None = None
    ended_at: float | None = None  # the load process exited (after its metrics lingered)
    answered_until: float | None = None  # the last answer was in (the load summary's ended_at)
    problems: tuple[str, ...] = ()  # the harness around the load (did not start, overran)
    generator_problems: tuple[str, ...] = ()  # the load generator's own (saturated, ...)
    aborted: str | None = None  # the reason, when the run was aborted on breach
    rollback_errors: tuple[str, ...] = ()
    latency: tuple[RouteLatency, ...] = ()  # the client's exact and per-route figures


@dataclass(frozen=True)
class Measurements:
    """What Prometheus said about the run's windows."""

    phases: list[PhaseResults] = field(default_factory=list)
    client_server: list[CountComparison] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    harness_suspect: bool = False
    recoveries: list[Recovery] = field(default_factory=list)
    series: list[TimeSeries] = field(default_factory=list)
    partial: bool = False  # judged up to an interruption
    holes: list[Hole] = field(default_factory=list)  # where the evidence is incomplete


@dataclass(frozen=True)
class RunEvidence:
    load: LoadEvidence | None  # None: the run never reached the load
    experiments: tuple[ExperimentEvidence, ...] = ()
    faults: tuple[Fault, ...] = ()
    windows: tuple[PhaseWindow, ...] = ()
    measurements: Measurements | None = None
    measurement_failure: Failure | None = None
    failures: tuple[Failure, ...] = ()
    interrupted: bool = False
    notes: tuple[str, ...] = ()  # information that decides nothing (e.g. where logs went)

    def with_failure(self, failure: Failure) -> RunEvidence:
        return replace(self, failures=(*self.failures, failure))

    def with_note(self, note: str) -> RunEvidence:
        return replace(self, notes=(*self.notes, note))


def _experiments(outcome: TrafficOutcome) -> tuple[ExperimentEvidence, ...]:
    found = []
    for run in outcome.chaos:
        if run.started_at is None:
            continue
        journal = read_journal(run.journal)
        found.append(
            ExperimentEvidence(
                experiment_id=run.experiment_id,
                name=run.experiment.stem,
                run_dir=run.run_dir,
                journal=journal,
                verdict=verdict_of_journal(journal) if journal is not None else None,
                brief=_brief(journal, run.journal),
            )
        )
    return tuple(found)


def _brief(journal: dict[str, Any] | None, path: Path) -> JournalBrief:
    if journal is None:
        return JournalBrief(
            title=path.parent.name, status="no journal", deviated=False, path=str(path)
        )
    return brief_journal(journal, str(path))


def load_evidence(outcome: TrafficOutcome, log: Path) -> LoadEvidence:
    summary = outcome.summary
    return LoadEvidence(
        log=log,
        started_at=outcome.load_started_at,
        ended_at=outcome.load_ended_at,
        answered_until=summary.ended_at if summary is not None else None,
        problems=tuple(outcome.problems),
        generator_problems=tuple(summary.problems) if summary is not None else (),
        aborted=outcome.aborted,
        rollback_errors=tuple(outcome.rollback.errors) if outcome.rollback is not None else (),
        latency=tuple(client_latency(summary, outcome.load_dir)),
    )


def gather_evidence(
    plan: GatePlan, outcome: TrafficOutcome | None, faults: list[Fault], load_log: Path
) -> RunEvidence:
    """The run's evidence before Prometheus is asked: load, experiments, faults, windows."""
    if outcome is None:
        return RunEvidence(load=None, faults=tuple(faults))
    spans = [span for run in outcome.chaos if (span := run.span()) is not None]
    windows = phase_windows(
        outcome.load_started_at, outcome.load_ended_at, plan.gate.warmup_s,
        plan.gate.objectives, spans, faults, outcome.evidence_from,
    )  # fmt: skip
    evidence = RunEvidence(
        load=load_evidence(outcome, load_log),
        experiments=_experiments(outcome),
        faults=tuple(faults),
        windows=tuple(windows),
        interrupted=outcome.interrupted,
    )
    note = baseline_moved(outcome, plan.gate.warmup_s)
    return evidence if note is None else evidence.with_note(note)


def baseline_moved(outcome: TrafficOutcome, warmup_s: float) -> str | None:
    """Says so when the baseline started after the warm-up's end: Prometheus' first samples
    from every target (plus one scrape) came later than the warm-up's end."""
    start, evidence_from = outcome.load_started_at, outcome.evidence_from
    if start is None or evidence_from is None:
        return None
    late = evidence_from - (start + warmup_s)
    if late <= 0:
        return None
    return (
        f"the baseline starts {late:.1f} s after the warm-up's end ({warmup_s:g} s): one "
        f"scrape after Prometheus had a sample from every target, "
        f"{evidence_from - start:.1f} s into the load"
    )


def _after_final_samples(
    client: PrometheusClient, evidence: RunEvidence, since: float, scrape_s: float
) -> RunEvidence:
    """The evidence once Prometheus has the load's last counts from every target (or with a
    note saying it did not in time)."""
    if await_final_samples(client, since, scrape_s):
        return evidence
    return evidence.with_note(
        f"Prometheus had no sample from every target after the load's last counts within "
        f"{2 * scrape_s + 1:g} s: the last second's requests may be missing from its counts"
    )


def measure(
    plan: GatePlan,
    evidence: RunEvidence,
    prometheus_url: str,
    scrape_s: float,
    unmeasured: Unmeasured | None = None,
) -> RunEvidence:
    """The evidence with what Prometheus says about its windows (or why it could not say);
    what the platform cannot measure (`unmeasured`: place -> why) reported as such."""
    unmeasured = unmeasured or {}
    load = evidence.load
    if load is None or load.started_at is None or load.ended_at is None:
        return evidence
    partial = evidence.interrupted
    windows = list(evidence.windows)
    try:
        with PrometheusClient(prometheus_url) as client:
            if load.answered_until is not None and not partial:
                evidence = _after_final_samples(client, evidence, load.answered_until, scrape_s)
            windows, settled = settle_fault_phases(
                plan, client, windows, evidence.faults, load.started_at, load.ended_at, scrape_s,
                edge=Place.EDGE.value not in unmeasured,
            )  # fmt: skip
            ran = Window(start=load.started_at, end=load.answered_until or load.ended_at)
            phases = evaluate_phases(plan, client, windows, scrape_s, ran, unmeasured)
            comparisons, notes, suspect = compare_client_server(
                client, windows, plan.gate.client_server_tolerance, plan.profile.peak_rate,
                scrape_s, plan.spec.spec.metrics,
            )  # fmt: skip
            recoveries = (
                []
                if partial
                else time_to_recover(plan, client, windows, load.ended_at, scrape_s, unmeasured)
            )
            series = chart_series(client, load.started_at, load.ended_at, plan.spec.spec.metrics)
            holes = load_generator_stopped(
                [
                    hole
                    for w in windows
                    for hole in holes_in(client, w.label, w.window, scrape_s, evidence.faults)
                    if hole.place not in unmeasured  # a place the platform does not have
                ],
                load.answered_until,
                None
                if load.answered_until is None
                else client_scraped_until(
                    client, load.answered_until - scrape_s, load.ended_at + scrape_s
                ),
                scrape_s,
            )
    except (SlogateError, httpx.HTTPError) as error:
        code = error.exit_code if isinstance(error, SlogateError) else ExitCode.INCONCLUSIVE
        if partial:
            note = f"the phases before the interruption could not be judged: {error}"
        else:
            note = f"the run could not be judged: {type(error).__name__}: {error}"
        return replace(evidence, measurement_failure=Failure(code, note))
    measured = Measurements(
        phases, comparisons, settled + notes, suspect, recoveries, series, partial, holes
    )
    return replace(evidence, measurements=measured, windows=tuple(windows))

"""`slogate run GATE` as a thin sequence of phases:

    plan + pre-flight   (exit 2 before anything starts)
    sweep               roll back the stack's open faults left by earlier runs
    platform up         this process supervises the stack
    seed                the data set
    traffic             warm-up, load with chaos at its offsets, recovery (traffic.py)
    evaluation          per phase, client vs server, time to recover (verdicts.py)
    report              reports/<run-id>/ (slogate.report writers)
    platform down       always; then the report's timeline gets its tear-down

Ctrl-C / SIGTERM at any point: faults rolled back, the phases so far judged (if the load ran),
stack down, partial report, exit 130.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from slogate.chaos.journal import read_journal as read_raw_journal
from slogate.chaos.journal import verdict_of_journal
from slogate.chaos.ledger import FaultLedger
from slogate.chaos.rollback import roll_back_faults
from slogate.chaos.runner import sweep
from slogate.config import SlogateConfig
from slogate.errors import ExitCode, SlogateError, UsageError, combine_exit_codes
from slogate.gate.history import keep_stack_history
from slogate.gate.plan import GatePlan, plan_gate
from slogate.gate.platform import GateStack, check_platform
from slogate.gate.preflight import find_shortfalls, run_error_budget
from slogate.gate.progress import GateProgress
from slogate.gate.series import chart_series
from slogate.gate.startup import EarlyStarts
from slogate.gate.traffic import TrafficContext, TrafficOutcome, run_traffic, start_load
from slogate.gate.verdicts import compare_client_server, evaluate_phases, time_to_recover
from slogate.gate.windows import phase_windows
from slogate.interrupts import InterruptSignals
from slogate.platform.local.seeding import Seeding
from slogate.report.environment import collect_environment
from slogate.report.journal import read_journal
from slogate.report.model import FaultWindow, PhaseSpan, RunReport, RunStatus
from slogate.report.store import allocate_run_folder
from slogate.report.writer import write_report
from slogate.slo.evaluate import exit_code_of
from slogate.slo.prometheus import PrometheusClient
from slogate.slo.stats import Verdict

VERDICT_CODES = {Verdict.FAIL: ExitCode.BREACHED, Verdict.INCONCLUSIVE: ExitCode.INCONCLUSIVE}


@dataclass
class GateOptions:
    stack: str | None = None
    reports_dir: Path = Path("reports")
    run_anyway: bool = False
    abort_on_breach: bool = False


@dataclass
class GateRun:
    """The state of one run as it goes; becomes the RunReport."""

    plan: GatePlan
    run_id: str
    folder: Path
    stack: str
    started_at: float = field(default_factory=time.time)
    timeline: list[PhaseSpan] = field(default_factory=list)
    codes: list[ExitCode] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    report: RunReport | None = None
    paths: dict[str, Path] = field(default_factory=dict)
    interrupted: bool = False
    aborted: str | None = None
    traffic_spans: list[PhaseSpan] = field(default_factory=list)
    own_stack: bool = False  # the stack's name was made up for this run: its folder goes too

    def spans(self) -> list[PhaseSpan]:
        spans = [span.model_copy() for span in self.timeline] + self.traffic_spans
        return sorted(spans, key=lambda span: span.start)

    def begin(self, name: str) -> None:
        now = time.time()
        if self.timeline and self.timeline[-1].end is None:
            self.timeline[-1].end = now
        self.timeline.append(PhaseSpan(name=name, start=now))

    def end_phase(self) -> None:
        if self.timeline and self.timeline[-1].end is None:
            self.timeline[-1].end = time.time()


def prepare(
    config: SlogateConfig, name: str, options: GateOptions
) -> tuple[GatePlan, SlogateConfig]:
    """Plan and pre-flight: every refusal is exit 2 and nothing has started."""
    plan = plan_gate(config, name)
    shortfalls = find_shortfalls(plan)
    if shortfalls and not options.run_anyway:
        lines = "\n  ".join(s.message for s in shortfalls)
        raise UsageError(
            f"gate {name!r} cannot demonstrate its objectives with the planned load:\n  {lines}\n"
            "change the gate in slogate.yaml, or pass --run-anyway (those verdicts will be "
            "INCONCLUSIVE)"
        )
    stack_config = config
    if plan.gate.replicas is not None:
        service = config.service.model_copy(update={"replicas": plan.gate.replicas})
        stack_config = config.model_copy(update={"service": service})
    return plan, stack_config


def run_gate(
    config: SlogateConfig, name: str, options: GateOptions, progress: GateProgress
) -> GateRun:
    plan, stack_config = prepare(config, name, options)
    stack = options.stack or f"gate-{int(time.time())}-{os.getpid()}"
    check_platform(stack_config, stack)
    run_id, folder = allocate_run_folder(name, options.reports_dir)
    run = GateRun(plan, run_id, folder.resolve(), stack, own_stack=options.stack is None)
    signals = InterruptSignals()
    context = _traffic_context(run, options, progress, signals)
    seeding = Seeding(stack_config, run.folder / "seed.log") if plan.gate.seed else None

    def on_stack_event(event: dict[str, Any]) -> None:
        progress.stack_event(event)
        early.on_event(event)

    platform = GateStack(stack_config, stack, on_stack_event, signals.stop_requested)
    early = EarlyStarts(platform.local, seeding, partial(start_load, context))
    outcome: TrafficOutcome | None = None
    with signals.installed():
        try:
            run.begin("set-up")
            progress.enter("set-up")
            sweep(stack, progress.say)
            state = platform.up()
            early.finish_seeding()
            run.begin("load")
            progress.enter("warm-up")
            outcome = run_traffic(context, early.take_load())
            run.interrupted = outcome.interrupted
            run.aborted = outcome.aborted
            run.begin("evaluation")
            progress.enter("evaluation")
            prometheus_url, scrape_s = state.prometheus_url or "", state.scrape_interval_s
            if not run.interrupted:
                _judge(run, outcome, prometheus_url, scrape_s)
            else:
                with signals.shield():
                    _judge_partial(run, outcome, prometheus_url, scrape_s)
        except KeyboardInterrupt:
            run.interrupted = True
        except SlogateError as error:
            run.codes.append(error.exit_code)
            run.notes.append(f"{type(error).__name__}: {error}")
        finally:
            with signals.shield():
                early.stop()
                _finish(run, platform, outcome, progress)
        run.interrupted = run.interrupted or signals.stop_requested()
    return run


def _traffic_context(
    run: GateRun, options: GateOptions, progress: GateProgress, signals: InterruptSignals
) -> TrafficContext:
    plan = run.plan
    ledger = FaultLedger(run.stack)
    budget = run_error_budget(plan) if options.abort_on_breach else None
    errors_at_warmup: list[int] = []
    warmup = plan.gate.warmup_s

    def phase_at(elapsed: float) -> str:
        current = "warm-up"
        for phase in plan.phases:
            if elapsed >= phase.start_s:
                current = phase.name if phase.experiment is None else f"fault:{phase.experiment}"
        return current

    def on_status(status: dict[str, Any]) -> None:
        progress.enter(phase_at(float(status.get("elapsed_s") or 0.0)))
        faults = [f"{f.kind} on {f.target}" for f in ledger.open_faults(run.run_id)]
        progress.load_status(status, plan.duration_s, faults)

    def breach(status: dict[str, Any]) -> str | None:
        if budget is None:
            return None
        errors = int(status.get("errors") or 0)
        if not errors_at_warmup:
            if float(status.get("elapsed_s") or 0.0) < warmup:
                return None
            errors_at_warmup.append(errors)
        judged = errors - errors_at_warmup[0]
        if judged > budget:
            return (
                f"aborted on breach: {judged} errors after warm-up exceed the error budget of "
                f"the whole planned run ({budget:.1f})"
            )
        return None

    return TrafficContext(
        plan=plan, stack=run.stack, run_id=run.run_id, run_dir=run.folder,
        on_status=on_status, breach=breach, shield=signals.shield,
    )  # fmt: skip


def _judge_partial(
    run: GateRun, outcome: TrafficOutcome, prometheus_url: str, scrape_s: float
) -> None:
    """Interrupted: judge the phases up to the interruption while Prometheus is still up
    (too short a window is INCONCLUSIVE by itself); no time to recover (it was cut short)."""
    try:
        _judge(run, outcome, prometheus_url, scrape_s, partial=True)
    except (SlogateError, httpx.HTTPError) as error:
        run.notes.append(f"the phases before the interruption could not be judged: {error}")
    else:
        run.notes.append("interrupted: the phases are judged up to the interruption")


def _judge(
    run: GateRun,
    outcome: TrafficOutcome,
    prometheus_url: str,
    scrape_s: float,
    partial: bool = False,
) -> None:
    plan = run.plan
    faults = FaultLedger(run.stack).faults(run.run_id)
    windows = phase_windows(plan, outcome, faults)
    report = _base_report(run, outcome)
    with PrometheusClient(prometheus_url) as client:
        report.phases = evaluate_phases(plan, client, windows, scrape_s)
        comparisons, notes, suspect = compare_client_server(
            client, windows, plan.gate.client_server_tolerance, plan.profile.peak_rate, scrape_s
        )
        report.client_server, report.notes = comparisons, report.notes + notes
        if outcome.load_ended_at is not None and not partial:
            report.recoveries = time_to_recover(
                plan, client, windows, outcome.load_ended_at, scrape_s
            )
        if outcome.load_started_at is not None and outcome.load_ended_at is not None:
            report.series = chart_series(client, outcome.load_started_at, outcome.load_ended_at)
    results = [r for phase in report.phases for r in phase.results]
    if results:
        run.codes.append(exit_code_of(results))
    elif not (run.aborted or partial):
        run.codes.append(ExitCode.INCONCLUSIVE)
        run.notes.append("no phase was judged (the load never reached a judged phase)")
    run.codes += [VERDICT_CODES[r.verdict] for r in report.recoveries if r.verdict in VERDICT_CODES]
    if suspect:
        run.codes.append(ExitCode.INCONCLUSIVE)
    run.report = report


def _outcome_codes(run: GateRun, outcome: TrafficOutcome | None) -> None:
    if outcome is None:
        return
    if outcome.load_started_at is None and not run.interrupted:
        run.codes.append(ExitCode.INFRASTRUCTURE)
        run.notes.append(f"the load never started; see {run.folder / 'load.log'}")
    run.notes += outcome.problems
    if outcome.problems:
        run.codes.append(ExitCode.INFRASTRUCTURE)
    if outcome.summary is not None and outcome.summary.problems and not run.interrupted:
        run.codes.append(ExitCode.INCONCLUSIVE)
        run.notes += [f"load generator: {p}" for p in outcome.summary.problems]
    if outcome.aborted:
        run.codes.append(ExitCode.BREACHED)
        run.notes.append(outcome.aborted)
    if outcome.rollback is not None and outcome.rollback.errors:
        run.codes.append(ExitCode.INFRASTRUCTURE)
        run.notes.append("faults could not be rolled back: " + "; ".join(outcome.rollback.errors))
    for chaos in outcome.chaos:
        if chaos.started_at is None:
            continue
        journal = read_raw_journal(chaos.journal)
        if journal is None:
            if not run.interrupted and not run.aborted:
                run.codes.append(ExitCode.INFRASTRUCTURE)
                run.notes.append(
                    f"{chaos.experiment.stem}: no journal; see {chaos.run_dir}/chaos.log"
                )
            continue
        verdict = verdict_of_journal(journal)
        if not (run.interrupted or run.aborted):  # else slogate itself stopped the experiment
            run.codes.append(verdict.exit_code)
        run.notes += [f"{chaos.experiment.stem}: {reason}" for reason in verdict.reasons]


def _base_report(run: GateRun, outcome: TrafficOutcome | None) -> RunReport:
    plan = run.plan
    faults = FaultLedger(run.stack).faults(run.run_id)
    timeline: list[PhaseSpan] = []
    if outcome is not None and outcome.load_started_at is not None:
        windows = phase_windows(plan, outcome, faults)
        warm_end = min(
            outcome.load_started_at + plan.gate.warmup_s, outcome.load_ended_at or time.time()
        )
        timeline.append(PhaseSpan(name="warm-up", start=outcome.load_started_at, end=warm_end))
        timeline += [
            PhaseSpan(name=w.label, start=w.window.start, end=w.window.end) for w in windows
        ]
    run.traffic_spans = timeline
    journals = [read_journal(c.journal) for c in (outcome.chaos if outcome else []) if c.started_at]
    now = time.time()
    return RunReport(
        run_id=run.run_id, gate=plan.name, status=RunStatus.COMPLETE, exit_code=ExitCode.OK,
        started_at=run.started_at, ended_at=max(now, run.started_at),
        config=_config_snapshot(run),
        slo=plan.spec, timeline=run.spans(),
        faults=[FaultWindow.from_fault(f) for f in faults], journals=journals,
        environment=collect_environment(),
    )  # fmt: skip


def _config_snapshot(run: GateRun) -> dict[str, Any]:
    plan = run.plan
    return {
        "gate": plan.name,
        "stack": run.stack,
        "definition": plan.gate.model_dump(mode="json"),
        "load_profile": plan.profile.model_dump(mode="json"),
        "slo_file": str(plan.slo_path),
        "platform": plan.gate.platform,
        "replicas": plan.gate.replicas or plan.config.service.replicas,
    }


def _finish(
    run: GateRun, platform: GateStack, outcome: TrafficOutcome | None, progress: GateProgress
) -> None:
    """Roll back, write the report, bring the stack down, then complete the timeline."""
    rolled = roll_back_faults(FaultLedger(run.stack), run.stack, run.run_id)
    if rolled.errors:
        run.codes.append(ExitCode.INFRASTRUCTURE)
        run.notes.append("faults could not be rolled back: " + "; ".join(rolled.errors))
    _outcome_codes(run, outcome)
    run.begin("report")
    progress.enter("report")
    report = run.report or _base_report(run, outcome)
    _finalise(run, report)
    run.report = report
    run.paths = write_report(report, run.folder)
    run.begin("tear-down")
    progress.enter("tear-down")
    try:
        platform.down()
    except Exception as error:
        run.codes.append(ExitCode.INFRASTRUCTURE)
        run.notes.append(f"tear-down failed: {error}")
    run.end_phase()
    note = keep_stack_history(run.stack, run.folder, remove=run.own_stack)
    run.notes += [note] if note else []
    _finalise(run, report)
    run.paths = write_report(report, run.folder)


def _finalise(run: GateRun, report: RunReport) -> None:
    codes = list(run.codes) + ([ExitCode.INTERRUPTED] if run.interrupted else [])
    report.exit_code = combine_exit_codes(codes)
    report.notes = list(dict.fromkeys(report.notes + run.notes))
    report.ended_at = max(time.time(), report.started_at)
    report.timeline = run.spans()
    if run.interrupted:
        report.status, report.partial_reason = RunStatus.PARTIAL, "interrupted (Ctrl-C or SIGTERM)"
    elif run.aborted:
        report.status, report.partial_reason = RunStatus.PARTIAL, run.aborted

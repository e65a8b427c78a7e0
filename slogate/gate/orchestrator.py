"""`slogate run GATE` as a thin sequence of phases:

    plan + pre-flight   (exit 2 before anything starts); the smallest breach each objective
                        detects is said before anything starts; the progress gets the plan
                        and the stages' expected lengths (gate/eta.py) for its ETA
    sweep               roll back the stack's open faults left by earlier runs
    platform up         a session of the gate's platform: this process owns the stack
    traffic             warm-up, load with chaos at its offsets, recovery (traffic.py); the
                        warm-up overlaps Prometheus' first scrapes, and the baseline starts
                        one scrape after every target's first sample (phases.py)
    evaluation          evidence gathered once, Prometheus asked once (evidence.py)
    decision            one pure function (decide.py)
    report              written once, before tear-down (nothing lost)
    platform down       always; then the report again, with its tear-down

Ctrl-C / SIGTERM at any point: faults rolled back, the phases so far judged (if the load ran),
stack down, partial report, exit 130.
"""

from __future__ import annotations

import os
import time
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from slogate.chaos.ledger import FaultLedger
from slogate.chaos.rollback import roll_back_faults
from slogate.chaos.runner import sweep
from slogate.chaos.stack_fit import check_stack_can_run
from slogate.chaos.validation import validate_experiment
from slogate.config import SlogateConfig
from slogate.errors import ExitCode, SlogateError, UsageError
from slogate.gate.assemble import RunIdentity, assemble_report
from slogate.gate.decide import decide
from slogate.gate.detection import detection_figures
from slogate.gate.environment import collect_environment
from slogate.gate.eta import PRE_FLIGHT, measured_estimates
from slogate.gate.evidence import Failure, RunEvidence, gather_evidence, measure
from slogate.gate.history import keep_stack_history
from slogate.gate.measurable import unmeasured_places
from slogate.gate.phases import fault_label
from slogate.gate.plan import GatePlan, plan_gate
from slogate.gate.preflight import find_shortfalls, run_error_budget
from slogate.gate.progress import GateProgress
from slogate.gate.traffic import TrafficContext, TrafficOutcome, run_traffic, start_load
from slogate.host.outputs import require_writable_folder
from slogate.interrupts import InterruptSignals
from slogate.load.status import LoadStatus
from slogate.platform.base import GateSession, Platform, SessionHooks
from slogate.platform.registry import platform_for
from slogate.report.model import Environment, PhaseName, PhaseSpan, RunReport
from slogate.report.store import allocate_run_folder
from slogate.report.writer import write_report


@dataclass
class GateOptions:
    stack: str | None = None
    reports_dir: Path = Path("reports")
    run_anyway: bool = False
    abort_on_breach: bool = False


@dataclass
class GateRun:
    """One run as it goes: its identity, the steps so far, and in the end its report."""

    plan: GatePlan
    run_id: str
    folder: Path
    stack: str
    ledger: FaultLedger
    started_at: float = field(default_factory=time.time)
    steps: list[PhaseSpan] = field(default_factory=list)
    report: RunReport | None = None
    paths: dict[str, Path] = field(default_factory=dict)
    own_stack: bool = False  # the stack's name was made up for this run: its folder goes too

    def begin(self, name: str) -> None:
        self.end_step()
        self.steps.append(PhaseSpan(name=name, start=time.time()))

    def end_step(self) -> None:
        if self.steps and self.steps[-1].end is None:
            self.steps[-1].end = time.time()

    @property
    def identity(self) -> RunIdentity:
        return RunIdentity(self.run_id, self.stack, self.started_at)


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
    return plan, plan.stack_config()


def run_gate(
    config: SlogateConfig, name: str, options: GateOptions, progress: GateProgress
) -> GateRun:
    plan, stack_config = prepare(config, name, options)
    progress.plan(plan.duration_s, measured_estimates(options.reports_dir, name))
    progress.enter(PRE_FLIGHT)
    for figure in detection_figures(plan):
        progress.say(f"pre-flight: {figure.line()}")
    require_writable_folder(options.reports_dir, "--reports-dir")
    stack = options.stack or f"gate-{int(time.time())}-{os.getpid()}"
    platform = platform_for(stack_config.platform)
    platform.preflight(stack_config, stack)
    run_id, folder = allocate_run_folder(name, options.reports_dir)
    run = GateRun(
        plan, run_id, folder.resolve(), stack, FaultLedger(stack), own_stack=options.stack is None
    )
    signals = InterruptSignals()
    context = _traffic_context(run, options, progress, signals)

    hooks = SessionHooks(
        on_event=progress.stack_event, should_stop=signals.stop_requested,
        seed_log=run.folder / "seed.log" if plan.gate.seed else None,
        start_load=partial(start_load, context),
        warmup_s=plan.gate.warmup_s,
    )  # fmt: skip
    session = platform.gate_session(stack_config, stack, hooks)
    outcome: TrafficOutcome | None = None
    evidence: RunEvidence | None = None
    failures: list[Failure] = []
    interrupted = False
    with signals.installed():
        try:
            run.begin(PhaseName.SET_UP)
            progress.enter(PhaseName.SET_UP)
            sweep(run.ledger, progress.say)
            state = session.up()
            for experiment in plan.experiments:  # e.g. Chaos Mesh absent: exit 2 before load
                check_stack_can_run(validate_experiment(experiment), experiment, stack, run_id)
            run.begin("load")
            progress.enter(PhaseName.WARM_UP)
            outcome = run_traffic(context, session.take_load())
            sampled = session.samples_from()  # awaited while the load warmed up
            if sampled is not None:
                outcome.evidence_from = sampled + state.scrape_interval_s
            run.begin(PhaseName.EVALUATION)
            progress.enter(PhaseName.EVALUATION)
            evidence = _gathered(run, outcome)
            with signals.shield() if outcome.interrupted else nullcontext():
                evidence = measure(
                    plan, evidence, state.prometheus_url or "", state.scrape_interval_s,
                    unmeasured_places(platform, state),
                )  # fmt: skip
        except KeyboardInterrupt:
            interrupted = True
        except SlogateError as error:
            failures.append(Failure.of(error))
        finally:
            with signals.shield():
                evidence = evidence or _gathered(run, outcome)
                interrupted = interrupted or signals.stop_requested()
                _finish(run, evidence, failures, interrupted, outcome, session, platform, progress)
    return run


def _gathered(run: GateRun, outcome: TrafficOutcome | None) -> RunEvidence:
    faults = run.ledger.faults(run.run_id)
    return gather_evidence(run.plan, outcome, faults, run.folder / "load.log")


def _traffic_context(
    run: GateRun, options: GateOptions, progress: GateProgress, signals: InterruptSignals
) -> TrafficContext:
    plan = run.plan
    budget = run_error_budget(plan) if options.abort_on_breach else None
    errors_at_warmup: list[int] = []
    warmup = plan.gate.warmup_s

    def phase_at(elapsed: float) -> str:
        current: str = PhaseName.WARM_UP
        for phase in plan.phases:
            if elapsed >= phase.start_s:
                current = phase.name if phase.experiment is None else fault_label(phase.experiment)
        return current

    def on_status(status: LoadStatus) -> None:
        progress.enter(phase_at(status.elapsed_s))
        faults = [f"{f.kind} on {f.target}" for f in run.ledger.open_faults(run.run_id)]
        progress.load_status(status, plan.duration_s, faults)

    def breach(status: LoadStatus) -> str | None:
        if budget is None:
            return None
        errors = status.errors
        if not errors_at_warmup:
            if status.elapsed_s < warmup:
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
        plan=plan, stack=run.stack, run_id=run.run_id, run_dir=run.folder, ledger=run.ledger,
        on_status=on_status, breach=breach, shield=signals.shield,
    )  # fmt: skip


def _finish(
    run: GateRun,
    evidence: RunEvidence,
    failures: list[Failure],
    interrupted: bool,
    outcome: TrafficOutcome | None,
    session: GateSession,
    platform: Platform,
    progress: GateProgress,
) -> None:
    """Roll back (unless the traffic step did), decide, write the report, bring the stack
    down, then write the report again with its tear-down."""
    if outcome is None or outcome.rollback is None:
        rolled = roll_back_faults(run.ledger, run.stack, run.run_id)
        if rolled.errors:
            errors = "; ".join(rolled.errors)
            failures.append(
                Failure(ExitCode.INFRASTRUCTURE, f"faults could not be rolled back: {errors}")
            )
    for failure in failures:
        evidence = evidence.with_failure(failure)
    if interrupted and not evidence.interrupted:
        evidence = replace(evidence, interrupted=True)
    environment = collect_environment(platform.tool_versions())
    run.begin(PhaseName.REPORT)
    progress.enter(PhaseName.REPORT)
    _write(run, evidence, environment)
    run.begin(PhaseName.TEAR_DOWN)
    progress.enter(PhaseName.TEAR_DOWN)
    try:
        session.down()
    except Exception as error:
        evidence = evidence.with_failure(
            Failure(ExitCode.INFRASTRUCTURE, f"tear-down failed: {error}")
        )
    run.end_step()
    note = keep_stack_history(run.stack, run.folder, remove=run.own_stack)
    if note:
        evidence = evidence.with_note(note)
    _write(run, evidence, environment)


def _write(run: GateRun, evidence: RunEvidence, environment: Environment) -> None:
    decision = decide(evidence)
    run.report = assemble_report(
        run.plan, run.identity, evidence, decision, run.steps, environment, time.time()
    )
    run.paths = write_report(run.report, run.folder)

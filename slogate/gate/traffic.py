"""Load in a subprocess (`slogate load`) with chaos experiments (`chaos run`) at their offsets.

The load's own clock starts when Locust starts scheduling; its status file says how long ago
that was, so offsets are measured from the real start of the load, not from when the process
was spawned. Each experiment runs as a child that dies with slogate, with the gate's run id in
the ledger. On every way out (end, abort on breach, Ctrl-C) the experiments are stopped, every
fault of the run is rolled back from the ledger, and the load is stopped.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slogate.chaos.ledger import FaultLedger
from slogate.chaos.rollback import RollbackReport, roll_back_faults
from slogate.chaos.runner import ChaosPlan, chaos_command
from slogate.chaos.target import EXPERIMENT_ENV, RUN_ID_ENV, STACK_ENV
from slogate.gate.phases import ExperimentSpan
from slogate.gate.plan import GatePlan
from slogate.host.children import (
    CHAOS_STOP_GRACE_S,
    LOAD_START_TIMEOUT_S,
    LOAD_STOP_GRACE_S,
    load_command,
    spawn_child,
    stop_child,
)
from slogate.host.processes import stop_leftovers
from slogate.load.results import LoadSummary
from slogate.load.status import LoadStatus, read_status

POLL_S = 0.2


@dataclass
class ChaosRun:
    """One experiment of the gate: when it ran and how it ended."""

    experiment: Path
    at_s: float
    steady_state: bool
    run_dir: Path
    process: subprocess.Popen[bytes] | None = None
    started_at: float | None = None
    ended_at: float | None = None
    exit_code: int | None = None

    @property
    def journal(self) -> Path:
        return self.run_dir / "journal.json"

    @property
    def experiment_id(self) -> str:
        """The id its faults carry in the ledger: unique within the run (`0-pod-kill`)."""
        return self.run_dir.name

    def span(self) -> ExperimentSpan | None:
        """When it ran (None when it never started)."""
        if self.started_at is None:
            return None
        return ExperimentSpan(
            self.experiment_id, self.experiment.stem, self.started_at, self.ended_at
        )


@dataclass
class TrafficOutcome:
    load_dir: Path
    load_started_at: float | None = None
    load_ended_at: float | None = None
    load_exit_code: int | None = None
    summary: LoadSummary | None = None
    chaos: list[ChaosRun] = field(default_factory=list)
    aborted: str | None = None
    interrupted: bool = False
    rollback: RollbackReport | None = None
    problems: list[str] = field(default_factory=list)
    # one scrape after Prometheus had a sample from every target (None: not tracked): the
    # load warmed up while those first scrapes came; the baseline starts no earlier
    evidence_from: float | None = None


@dataclass
class TrafficContext:
    plan: GatePlan
    stack: str
    run_id: str
    run_dir: Path
    ledger: FaultLedger
    on_status: Callable[[LoadStatus], None] = lambda status: None
    breach: Callable[[LoadStatus], str | None] = lambda status: None
    shield: Callable[[], AbstractContextManager[Any]] = nullcontext


def _env(context: TrafficContext, **extra: str) -> dict[str, str]:
    return {**os.environ, STACK_ENV: context.stack, RUN_ID_ENV: context.run_id, **extra}


def start_file(context: TrafficContext) -> Path:
    """The load generator holds its first request until this file exists."""
    return context.run_dir / "load-start"


def start_load(
    context: TrafficContext, host: str | None = None, client_metrics_port: int | None = None
) -> subprocess.Popen[bytes]:
    """Spawn `slogate load`, held before its first request (its imports, Locust's start and
    its metrics server can overlap the stack's last start-up steps); `run_traffic` releases it.
    Without `host`, the target is the stack's edge from its state file."""
    profile = context.plan.profile
    command = load_command(
        profile.name, context.stack, profile.total_duration_s, context.run_dir / "load",
        context.plan.loadtests_dir, "--start-when-file", str(start_file(context)),
    )  # fmt: skip
    if host is not None:
        command += ["--host", host]
    if client_metrics_port is not None:
        command += ["--client-metrics-port", str(client_metrics_port)]
    if profile.stages is None and profile.rate is not None:
        command += ["--rate", f"{profile.rate:g}"]
    return spawn_child(command, context.run_dir / "load.log", env=_env(context))


def _start_chaos(context: TrafficContext, run: ChaosRun) -> None:
    plan = ChaosPlan(
        experiment=run.experiment,
        stack=context.stack,
        run_id=context.run_id,
        run_dir=run.run_dir,
        load_profile=None,
        steady_state=run.steady_state,  # without it, the gate's SLO verdicts judge the phase
    )
    command = chaos_command(plan)
    env = _env(context, **{EXPERIMENT_ENV: run.experiment_id})
    run.started_at = time.time()
    run.process = spawn_child(command, run.run_dir / "chaos.log", env=env)


def _poll_chaos(run: ChaosRun) -> None:
    if run.process is not None and run.ended_at is None:
        code = run.process.poll()
        if code is not None:
            run.exit_code, run.ended_at = code, time.time()


def run_traffic(
    context: TrafficContext, load: subprocess.Popen[bytes] | None = None
) -> TrafficOutcome:
    """Release the load (started here unless `load` is given: see `start_load`) and run the
    experiments at their offsets; every fault is rolled back and the load stopped before this
    returns."""
    load_dir = context.run_dir / "load"
    outcome = TrafficOutcome(load_dir=load_dir)
    gate = context.plan.gate
    for index, (experiment, path) in enumerate(
        zip(gate.experiments, context.plan.experiments, strict=True)
    ):
        folder = context.run_dir / "chaos" / f"{index}-{path.stem}"
        outcome.chaos.append(ChaosRun(path, experiment.at_s, experiment.steady_state, folder))
    try:
        if load is None:
            load = start_load(context)
        start_file(context).touch()
        _follow(context, outcome, load)
    except KeyboardInterrupt:
        outcome.interrupted = True
    finally:
        with context.shield():
            _stop_everything(context, outcome, load)
    return outcome


def _follow(
    context: TrafficContext, outcome: TrafficOutcome, load: subprocess.Popen[bytes]
) -> None:
    spawned = time.monotonic()
    limit = context.plan.duration_s + LOAD_START_TIMEOUT_S + 30
    last_written: float | None = None
    while load.poll() is None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            load.wait(POLL_S)  # returns as the load exits: no poll interval lost at its end
        read = read_status(outcome.load_dir)
        if read is None:
            if time.monotonic() - spawned > LOAD_START_TIMEOUT_S:
                outcome.problems.append("the load generator did not start; see load.log")
                return
            continue
        status, written = read
        if outcome.load_started_at is None:
            outcome.load_started_at = written - status.elapsed_s
        elapsed = time.time() - outcome.load_started_at
        for run in outcome.chaos:
            if run.process is None and elapsed >= run.at_s:
                _start_chaos(context, run)
            _poll_chaos(run)
        if written != last_written:
            # each status once, with its own elapsed time: its counts are as of that time
            # (the file is written every second, read every POLL_S)
            last_written = written
            context.on_status(status)
            reason = context.breach(status)
            if reason is not None:
                outcome.aborted = reason
                return
        if time.monotonic() - spawned > limit:
            outcome.problems.append(f"the load overran its time limit ({limit:g} s)")
            return
    outcome.load_exit_code = load.returncode
    outcome.load_ended_at = time.time()


def _stop_load(outcome: TrafficOutcome, load: subprocess.Popen[bytes] | None) -> None:
    if load is None:
        return
    code = stop_child(load, LOAD_STOP_GRACE_S)
    outcome.load_exit_code = outcome.load_exit_code if outcome.load_exit_code is not None else code
    if outcome.load_ended_at is None:
        outcome.load_ended_at = time.time()


def _stop_everything(
    context: TrafficContext, outcome: TrafficOutcome, load: subprocess.Popen[bytes] | None
) -> None:
    if outcome.interrupted or outcome.aborted:
        # the safety valve first: faults off and load stopped now, not after the experiments
        # (a Chaos Toolkit run in a long pause can take many seconds to stop); the pass after
        # the experiments stopped is the one that counts
        roll_back_faults(context.ledger, context.stack, context.run_id)
        _stop_load(outcome, load)
    for run in outcome.chaos:
        if run.process is not None and run.ended_at is None:
            if not (outcome.interrupted or outcome.aborted):
                # the load ended first: let the experiment finish its own steps and rollbacks
                deadline = time.monotonic() + CHAOS_STOP_GRACE_S
                while run.process.poll() is None and time.monotonic() < deadline:
                    time.sleep(POLL_S)
            run.exit_code = stop_child(run.process, CHAOS_STOP_GRACE_S)
            run.ended_at = time.time()
    outcome.rollback = roll_back_faults(context.ledger, context.stack, context.run_id)
    _stop_load(outcome, load)
    stop_leftovers(RUN_ID_ENV, context.run_id)  # nothing of the run outlives it
    try:
        outcome.summary = LoadSummary.model_validate_json(
            (outcome.load_dir / "summary.json").read_text()
        )
    except (OSError, ValueError):
        outcome.summary = None

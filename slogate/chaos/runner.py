"""`slogate chaos`: one experiment, with background load, whose faults never outlive it.

The phases, each its own small step:

    sweep      roll back leftovers of earlier runs of this stack (never another stack's)
    load       start the background load (`slogate load PROFILE`) and let it warm up, because
               steady-state probes need traffic
    chaos      `chaos run --rollback-strategy always` in a child that dies with slogate
    clean up   on normal end, exception, SIGINT or SIGTERM: stop Chaos Toolkit, roll back
               every fault of this run still open in the ledger (whatever Chaos Toolkit did),
               stop the load
    verdict    from journal.json (journal.py), not from `chaos run`'s exit code

A first SIGINT/SIGTERM interrupts; later ones, and any during the clean-up, are noted and
ignored, so they cannot cut the clean-up short (Chaos Toolkit's own trap).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from filelock import FileLock, Timeout

from slogate.chaos.journal import JournalVerdict, read_journal, verdict_of_journal
from slogate.chaos.ledger import FaultLedger
from slogate.chaos.rollback import RollbackReport, roll_back_faults
from slogate.chaos.stack_fit import check_stack_can_run
from slogate.chaos.target import RUN_ID_ENV, STACK_ENV
from slogate.chaos.validation import validate_experiment
from slogate.errors import ExitCode, InfrastructureError, UsageError, combine_exit_codes
from slogate.host.children import (
    CHAOS_STOP_GRACE_S,
    LOAD_START_TIMEOUT_S,
    LOAD_STOP_GRACE_S,
    chaos_run_command,
    load_command,
    spawn_child,
    stop_child,
)
from slogate.host.processes import stop_leftovers
from slogate.interrupts import InterruptSignals
from slogate.load.profiles import find_profile
from slogate.platform.state import require_state, stack_dir
from slogate.yaml_files import read_yaml

LOAD_DURATION_S = 3600.0  # the load runs until the experiment ends; this only bounds it

Echo = Callable[[str], None]


@dataclass
class ChaosPlan:
    """What one `slogate chaos` run does."""

    experiment: Path
    stack: str
    run_id: str
    run_dir: Path
    load_profile: str | None = "smoke"
    warmup_s: float = 6.0
    steady_state: bool = True
    loadtests_dir: Path = Path("loadtests")


@dataclass
class ChaosOutcome:
    exit_code: ExitCode
    reasons: list[str] = field(default_factory=list)
    journal_path: Path | None = None
    rolled_back: RollbackReport | None = None


def chaos_command(plan: ChaosPlan) -> list[str]:
    """The `chaos run` command line for the plan (its settings file written empty first)."""
    plan.run_dir.mkdir(parents=True, exist_ok=True)
    (plan.run_dir / "chaostoolkit-settings.yaml").write_text("{}\n")
    return chaos_run_command(_experiment_to_run(plan), plan.run_dir)


def _experiment_to_run(plan: ChaosPlan) -> Path:
    """The experiment file; without its hypothesis when the steady state is skipped
    (chaostoolkit 1.19 has no `--hypothesis-strategy skip`)."""
    if plan.steady_state:
        return plan.experiment
    document = read_yaml(plan.experiment)
    if not isinstance(document, dict):
        raise UsageError(f"{plan.experiment}: expected a Chaos Toolkit experiment (a mapping)")
    document.pop("steady-state-hypothesis", None)
    exploring = plan.run_dir / f"{plan.experiment.stem}-without-hypothesis.yaml"
    exploring.write_text(yaml.safe_dump(document, sort_keys=False))
    return exploring


def sweep(ledger: FaultLedger, echo: Echo) -> RollbackReport:
    """Roll back every open fault of the ledger's stack left by earlier runs."""
    report = roll_back_faults(ledger, ledger.stack, run_id=None)
    if report.closed or report.expired:
        echo(
            f"swept leftovers of earlier runs: {len(report.closed)} rolled back, "
            f"{len(report.expired)} expired at their TTL"
        )
    if report.errors:
        raise InfrastructureError(
            "leftover faults of earlier runs could not be removed: " + "; ".join(report.errors)
        )
    return report


def _load_ended_early(log: Path) -> InfrastructureError:
    """The error for a background load that died: its log's last error line, and the log."""
    try:
        lines = [line.strip() for line in log.read_text(errors="replace").splitlines()]
    except OSError:
        lines = []
    lines = [line for line in lines if line]
    errors = [line for line in lines if "error" in line.lower() or "exception" in line.lower()]
    last = errors[-1] if errors else (lines[-1] if lines else "")
    said = f": {last}" if last else ""
    return InfrastructureError(f"the background load ended early{said}\nsee {log}")


def _wait_for_load(load_dir: Path, process_alive: Callable[[], bool], warmup_s: float) -> None:
    deadline = time.monotonic() + LOAD_START_TIMEOUT_S
    log = load_dir.parent / "load.log"
    while not (load_dir / "status.json").exists():
        if not process_alive():
            raise _load_ended_early(log)
        if time.monotonic() > deadline:
            raise InfrastructureError(f"the background load did not start; see {load_dir}")
        time.sleep(0.2)
    until = time.monotonic() + warmup_s
    while time.monotonic() < until:
        if not process_alive():
            raise _load_ended_early(log)
        time.sleep(0.2)


def run_chaos(plan: ChaosPlan, echo: Echo) -> ChaosOutcome:
    """Run the plan; every fault of the run is rolled back before this returns."""
    if not plan.experiment.is_file():
        raise UsageError(f"experiment {plan.experiment} not found (see experiments/)")
    experiment = validate_experiment(plan.experiment)
    if plan.load_profile is not None:
        try:
            find_profile(plan.load_profile, plan.loadtests_dir)
        except UsageError as error:
            raise UsageError(f"--load {plan.load_profile}: {error}") from None
    require_state(plan.stack)
    check_stack_can_run(experiment, plan.experiment, plan.stack, plan.run_id)
    lock = FileLock(str(stack_dir(plan.stack) / "chaos.lock"), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise UsageError(
            f"another `slogate chaos` is running on stack {plan.stack!r}; one run at a time "
            "(its sweep would remove the other run's faults)"
        ) from None
    try:
        return _run_locked(plan, echo)
    finally:
        lock.release()


def _run_locked(plan: ChaosPlan, echo: Echo) -> ChaosOutcome:
    plan.run_dir.mkdir(parents=True, exist_ok=True)
    (plan.run_dir / "journal.json").unlink(missing_ok=True)  # never read an older run's
    outcome = ChaosOutcome(ExitCode.OK, journal_path=plan.run_dir / "journal.json")
    ledger = FaultLedger(plan.stack)
    signals = InterruptSignals()
    load = chaos = None
    interrupted = False
    with signals.installed():
        try:
            sweep(ledger, echo)
            env = {**os.environ, STACK_ENV: plan.stack, RUN_ID_ENV: plan.run_id}
            if plan.load_profile is not None:
                load_dir = plan.run_dir / "load"
                command = load_command(
                    plan.load_profile, plan.stack, LOAD_DURATION_S, load_dir, plan.loadtests_dir
                )
                load = spawn_child(command, plan.run_dir / "load.log", env=env)
                echo(
                    f"background load {plan.load_profile!r} started; warming up {plan.warmup_s:g} s"
                )
                _wait_for_load(load_dir, lambda: load.poll() is None, plan.warmup_s)
            echo(f"chaos run {plan.experiment} (run id {plan.run_id})")
            chaos = spawn_child(chaos_command(plan), plan.run_dir / "chaos.log", env=env)
            chaos.wait()
        except KeyboardInterrupt:
            interrupted = True
            echo("interrupted: stopping the experiment and rolling back its faults")
        finally:
            with signals.shield():  # a signal cannot cut the clean-up short
                try:
                    if chaos is not None:
                        stop_child(chaos, CHAOS_STOP_GRACE_S)
                    outcome.rolled_back = roll_back_faults(ledger, plan.stack, run_id=plan.run_id)
                finally:
                    if load is not None:
                        stop_child(load, LOAD_STOP_GRACE_S)
                    stop_leftovers(RUN_ID_ENV, plan.run_id)  # nothing of the run outlives it
    return _verdict(plan, outcome, interrupted or signals.stop_requested(), echo)


def _verdict(plan: ChaosPlan, outcome: ChaosOutcome, interrupted: bool, echo: Echo) -> ChaosOutcome:
    rolled = outcome.rolled_back
    if rolled is not None and (rolled.closed or rolled.expired):
        echo(f"rolled back {len(rolled.closed)} fault(s) left open; {len(rolled.expired)} expired")
    codes: list[ExitCode] = []
    if rolled is not None and rolled.errors:
        codes.append(ExitCode.INFRASTRUCTURE)
        outcome.reasons.append("faults could not be rolled back: " + "; ".join(rolled.errors))
    journal = read_journal(plan.run_dir / "journal.json")
    verdict: JournalVerdict | None = None
    if journal is not None:
        verdict = verdict_of_journal(journal)
        codes.append(verdict.exit_code)
        outcome.reasons += verdict.reasons
    if interrupted:
        codes.append(ExitCode.INTERRUPTED)
        outcome.reasons.append("interrupted by a signal")
    elif journal is None:
        codes.append(ExitCode.INFRASTRUCTURE)
        outcome.reasons.append(f"Chaos Toolkit wrote no journal; see {plan.run_dir}/chaos.log")
    outcome.exit_code = combine_exit_codes(codes)
    return outcome

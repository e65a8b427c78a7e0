"""Runs Locust for a profile in a subprocess (never in this process: gevent monkey-patches).

One process headless, or a master and N workers (`--worker`, each told its slot by
SLOGATE_WORKER_INDEX), all in one process group so they stop together: at the end, on
Ctrl-C/SIGTERM (SIGTERM first, so Locust writes its partial tally; SIGKILL after a grace),
and when the run overruns its time limit. Progress comes from the `status.json` that the
Locust process writes every second; results from its `tally.json`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from slogate.errors import InfrastructureError, Interrupted, PortInUseError
from slogate.host.ports import free_port, port_in_use
from slogate.host.processes import dies_with_us
from slogate.load.profiles import Profile
from slogate.load.results import LoadSummary, summarise, write_results
from slogate.load.run_files import read_tally
from slogate.load.status import LoadStatus, read_status

STARTUP_ALLOWANCE_S = 30.0
STOP_GRACE_S = 10.0
STATUS_POLL_S = 0.1  # also how soon the end of the run is noticed
SLO_TAB_MODULE = Path(__file__).with_name("slo_tab.py")  # Locust loads it by path
StatusSink = Callable[[LoadStatus], None]


@dataclass
class LoadPlan:
    """Everything one `slogate load` needs to start Locust."""

    profile: Profile
    host: str
    run_dir: Path
    locustfile: Path = Path("loadtests/locustfile.py")
    loadtests_dir: Path = Path("loadtests")
    workers: int = 0
    client_metrics_port: int | None = None
    metrics_linger_s: float = 10.0  # at most; ends once a scrape has read the final values
    start_when_file: Path | None = None  # hold the first request until this file exists
    overrides: dict[str, float | int | None] = field(default_factory=dict)

    def time_limit_s(self) -> float:
        drain = self.profile.request_timeout_s + 2 + self.metrics_linger_s
        return self.profile.total_duration_s + drain + STARTUP_ALLOWANCE_S


@dataclass(frozen=True)
class WebUI:
    """Where Locust's web UI listens, its login, and the session folder its SLO tab uses."""

    host: str
    port: int
    session_dir: Path
    credentials: Path | None = None  # user:password; None: no login page

    @property
    def url(self) -> str:
        shown = "127.0.0.1" if self.host in ("", "*", "0.0.0.0") else self.host
        shown = f"[{shown}]" if ":" in shown else shown
        return f"http://{shown}:{self.port}/"


def check_target(host: str) -> None:
    """The target answers HTTP at all (any status); otherwise nothing is started."""
    try:
        httpx.get(host.rstrip("/") + "/health/liveness", timeout=5)
    except httpx.HTTPError as error:
        raise InfrastructureError(f"the target at {host} does not answer: {error}") from error


def profile_arguments(plan: LoadPlan) -> list[str]:
    """The open model's options, the same in the main process and in every worker."""
    rate, duration, seed = (plan.overrides.get(k) for k in ("rate", "duration", "seed"))
    return [
        "--load-profile", plan.profile.name,
        "--loadtests-dir", str(plan.loadtests_dir),
        "--profile-rate", str(rate or 0),
        "--profile-duration", str(duration or 0),
        "--profile-seed", str(-1 if seed is None else seed),
        "--worker-count", str(max(1, plan.workers)),
    ]  # fmt: skip


@dataclass(frozen=True)
class LocustPlacement:
    """Where the Locust processes run and meet: on this machine's loopback by default; in a
    cluster (platform/kubernetes/locust.py) the master binds every address, the workers reach
    it by its Service's name, and the master starts the run itself with its web UI up on the
    pod's loopback (it has no login: only a port-forward reaches it)."""

    locust: tuple[str, ...] = (sys.executable, "-m", "locust")
    bind_host: str = "127.0.0.1"
    master_host: str = "127.0.0.1"
    master_port: int | None = None  # None: a free port
    autostart_web_port: int | None = None  # set: --autostart with the web UI on this port


def locust_commands(
    plan: LoadPlan, ui: WebUI | None = None, placement: LocustPlacement | None = None
) -> list[list[str]]:
    """The Locust command lines: the main (or master) process first, then the workers.
    With a web UI, the SLO tab's module is a second locustfile beside the user's."""
    where = placement or LocustPlacement()
    locustfiles = str(plan.locustfile) + (f",{SLO_TAB_MODULE}" if ui is not None else "")
    locust = [*where.locust, "-f", locustfiles]
    master_port = (where.master_port or free_port()) if plan.workers else None
    role = []
    if master_port is not None:
        role = ["--master", "--master-bind-host", where.bind_host, "--master-bind-port"]
        role += [str(master_port), "--expect-workers", str(plan.workers)]
    main = [*locust, *role, "--host", plan.host, *profile_arguments(plan)]
    main += ["--run-dir", str(plan.run_dir), "--metrics-linger", str(plan.metrics_linger_s)]
    if plan.client_metrics_port:
        main += ["--client-metrics-port", str(plan.client_metrics_port)]
        if where.bind_host != "127.0.0.1":
            main += ["--client-metrics-host", where.bind_host]
    if plan.start_when_file is not None:
        main += ["--start-when-file", str(plan.start_when_file)]
    if ui is not None:
        main += ["--web-host", ui.host, "--web-port", str(ui.port), "--class-picker"]
        main += ["--session-dir", str(ui.session_dir)]
        if ui.credentials is not None:
            main += ["--web-login", "--web-credentials", str(ui.credentials)]
    else:
        users = max(1, plan.workers)
        if where.autostart_web_port is None:
            main += ["--headless"]
        else:
            # the pod's loopback: reached through a port-forward only, never by another pod
            main += ["--autostart", "--web-host", "127.0.0.1"]
            main += ["--web-port", str(where.autostart_web_port)]
        main += ["-u", str(users), "-r", str(users)]
        main += ["--run-time", f"{int(plan.time_limit_s())}s", "--stop-timeout", "5"]
        main += ["--only-summary", "--csv", str(plan.run_dir / "locust"), "OpenModelUser"]
    commands = [main]
    if master_port is not None:
        worker = [*locust, "--worker", "--master-host", where.master_host]
        worker += ["--master-port", str(master_port), *profile_arguments(plan)]
        commands += [worker] * plan.workers
    return commands


@contextmanager
def locust_processes(
    plan: LoadPlan, commands: list[list[str]]
) -> Iterator[subprocess.Popen[bytes]]:
    """Start the processes in one new process group; stop the whole group afterwards."""
    plan.run_dir.mkdir(parents=True, exist_ok=True)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for index, command in enumerate(commands):
            name = "locust.log" if index == 0 else f"locust-worker-{index - 1}.log"
            env = {**os.environ, "SLOGATE_WORKER_INDEX": str(index - 1)} if index else None
            with (plan.run_dir / name).open("wb") as log:
                processes.append(
                    subprocess.Popen(
                        command,
                        # not the terminal: Locust reads keys from a TTY, and a read from
                        # a background process group stops it (SIGTTIN)
                        stdin=subprocess.DEVNULL,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        env=env,
                        process_group=processes[0].pid if processes else 0,
                        # SIGTERMed if slogate dies (even SIGKILLed): Locust stops, writes results
                        preexec_fn=dies_with_us(signal.SIGTERM),
                    )
                )
        yield processes[0]
    finally:
        stop_group(processes)


def stop_group(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM the group (Locust writes partial results), SIGKILL what is left after a grace."""
    if not processes:
        return
    group = processes[0].pid
    if any(p.poll() is None for p in processes):
        _signal_group(group, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        while time.monotonic() < deadline and any(p.poll() is None for p in processes):
            time.sleep(0.1)
    _signal_group(group, signal.SIGKILL)
    for process in processes:
        process.wait(timeout=10)


def _signal_group(group: int, signum: int) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signum)


def log_tail(run_dir: Path, lines: int = 15) -> str:
    try:
        text = (run_dir / "locust.log").read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C while Locust runs, so the group is stopped either way."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_load(plan: LoadPlan, on_status: StatusSink | None = None) -> LoadSummary:
    """Run the profile headless; the summary (also written to the run folder).

    Raises Interrupted (after writing the partial summary) on Ctrl-C/SIGTERM and
    InfrastructureError when Locust fails or overruns its time limit.
    """
    if plan.client_metrics_port and port_in_use(plan.client_metrics_port):
        raise PortInUseError(plan.client_metrics_port, "the load generator's client metrics")
    if plan.start_when_file is None:
        # held (a gate spawns the generator while its stack still starts): the caller
        # releases it once the target serves
        check_target(plan.host)
    interrupted = overran = False
    deadline = time.monotonic() + plan.time_limit_s()
    with sigterm_as_interrupt(), locust_processes(plan, locust_commands(plan)) as main:
        try:
            while main.poll() is None:
                if time.monotonic() > deadline:
                    overran = True
                    break
                with suppress(subprocess.TimeoutExpired):
                    main.wait(STATUS_POLL_S)  # returns as Locust exits
                read = read_status(plan.run_dir)
                if read is not None and on_status is not None:
                    on_status(read[0])
        except KeyboardInterrupt:
            interrupted = True
    return _finish(plan, interrupted, overran)


def _finish(plan: LoadPlan, interrupted: bool, overran: bool) -> LoadSummary:
    run = read_tally(plan.run_dir)
    if run is None:
        if interrupted:
            raise Interrupted("interrupted before the load generator wrote any results")
        raise InfrastructureError(
            f"Locust ended without results; its log ({plan.run_dir / 'locust.log'}) ends with:\n"
            + log_tail(plan.run_dir)
        )
    summary = summarise(run, plan.profile, max(1, plan.workers))
    if overran:
        summary.problems.append(f"Locust overran its time limit ({plan.time_limit_s():.0f} s)")
    write_results(plan.run_dir, run.tally, summary)
    if interrupted:
        raise Interrupted(f"interrupted; partial results in {plan.run_dir}")
    if overran or not summary.complete:
        reason = run.error or "Locust log:\n" + log_tail(plan.run_dir)
        raise InfrastructureError(
            f"the load run did not complete (partial results in {plan.run_dir}): {reason}"
        )
    return summary

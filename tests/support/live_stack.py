"""A real local stack for tests: `slogate up` in a tmp SLOGATE_HOME, seeded data, and what
must hold after a chaos run (no fault anywhere, Redis running, replicas ready).

`slogate up` runs in a subprocess (it leaves the stack running detached after it exits), as
does `slogate chaos` (it is signalled, and it runs Locust); `slogate down` runs in-process,
always, also when the test fails.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
import yaml

from slogate.platform.state import StackState, load_state
from tests.support.cli import REPO, Result, run_cli, slogate, slogate_env, slogate_home


@dataclass
class LiveStack:
    name: str
    home: Path
    env: dict[str, str]
    down: Result | None = None  # `slogate down`, once it has run

    def state(self) -> StackState:
        with slogate_home(self.home):
            state = load_state(self.name)
        assert state is not None, f"stack {self.name} is not up"
        return state

    def token(self) -> str:
        return (self.home / "stacks" / self.name / "admin-token").read_text().strip()

    def redis_url(self) -> str:
        """The stack's Redis, with its password."""
        password = (self.home / "stacks" / self.name / "redis-password").read_text().strip()
        return f"redis://:{password}@127.0.0.1:{self.state().part('redis').port}/0"

    def chaos(self, experiment: str, *options: str, run_id: str) -> subprocess.Popen[str]:
        """Start `slogate chaos` in its own process group (as a terminal would)."""
        command = slogate("chaos", experiment, "--stack", self.name, "--run-id", run_id, *options)
        return subprocess.Popen(
            command, cwd=REPO, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, process_group=0,
        )  # fmt: skip

    # -- what must hold after any run ----------------------------------------------------------

    def replica_faults(self) -> dict[str, list[Any]]:
        headers = {"Authorization": f"Bearer {self.token()}"}
        return {
            p.name: httpx.get(f"{p.url}/admin/faults", headers=headers, timeout=5).json()
            for p in self.state().parts_of_kind("replica")
        }

    def supervisor_faults(self) -> list[Any]:
        status = httpx.get(f"{self.state().supervisor_url}/status", timeout=5).json()
        return list(status["faults"])

    def replicas_ready(self) -> bool:
        try:
            return all(
                httpx.get(f"{p.url}/health/readiness", timeout=5).status_code == 200
                for p in self.state().parts_of_kind("replica")
            )
        except httpx.HTTPError:
            return False

    def redis_running(self) -> bool:
        part = self.state().part("redis")
        if part.process is None or not part.process.is_running():
            return False
        return psutil.Process(part.process.pid).status() != psutil.STATUS_STOPPED

    def clean(self) -> bool:
        """No fault anywhere, Redis running and not stopped, every replica ready."""
        try:
            faults = self.replica_faults()
            supervisor = self.supervisor_faults()
        except httpx.HTTPError:
            return False
        no_faults = all(not f for f in faults.values()) and not supervisor
        return no_faults and self.redis_running() and self.replicas_ready()


def processes_of_run(run_id: str) -> list[psutil.Process]:
    """Processes started for the run (slogate chaos passes SLOGATE_RUN_ID to its children)."""
    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get("SLOGATE_RUN_ID") == run_id:
                found.append(process)
        except psutil.Error:
            continue
    return found


SMALL_SEED = ("--organisations", "4", "--clinics", "3", "--staff", "3")


def _run(command: list[str], env: dict[str, str], timeout: float) -> None:
    done = subprocess.run(
        command, cwd=REPO, env=env, timeout=timeout, capture_output=True, text=True
    )
    assert done.returncode == 0, f"{' '.join(command[3:])}: exit {done.returncode}\n{done.stderr}"


@contextmanager
def live_stack(
    home: Path,
    name: str,
    service_env: dict[str, str] | None = None,
    service: dict[str, Any] | None = None,
    seed: tuple[str, ...] = SMALL_SEED,
    sections: dict[str, Any] | None = None,
) -> Iterator[LiveStack]:
    """`slogate up --no-seed` (the service section `service`, its env `service_env`, other
    top-level `sections` of slogate.yaml), seed the data (`python -m target_service seed
    SEED`), `slogate down` after, also when the test fails."""
    env = slogate_env(home)
    env.pop("SLOGATE_STACK", None)
    config = home / "slogate.yaml"
    home.mkdir(parents=True, exist_ok=True)
    service_section = {**(service or {}), "env": service_env or {}}
    config.write_text(yaml.safe_dump({**(sections or {}), "service": service_section}))
    stack = LiveStack(name, home, env)
    try:
        _run(slogate("up", "--stack", name, "--config", str(config), "--no-seed"), env, timeout=120)
        seed_env = {**env, "TARGET_REDIS_URL": stack.redis_url()}
        _run([sys.executable, "-m", "target_service", "seed", *seed], seed_env, timeout=60)
        yield stack
    finally:
        stack.down = run_cli("down", "--stack", name, env={**env, "SLOGATE_STACK": None}, cwd=REPO)


def interrupt(process: subprocess.Popen[str], how: str) -> None:
    """SIGINT to the process group (a terminal's Ctrl-C), SIGTERM or SIGKILL to slogate."""
    if how == "sigint":
        os.killpg(process.pid, signal.SIGINT)
    elif how == "sigterm":
        process.send_signal(signal.SIGTERM)
    else:
        process.send_signal(signal.SIGKILL)

"""A stack's state on disk: `.slogate/stacks/NAME/state.json`.

The state file is the contract between `slogate up` and every later command (`down`,
`status`, `check`, `load`, `chaos`, `run`): it says where each part listens and which process
it is. Processes are recorded with their start time, so a pid the kernel reused for another
program is never signalled.

Layout of a stack's folder (mode 0700: only its owner reads pids, logs and secrets):

    .slogate/stacks/NAME/
        state.json      this model
        ledger.jsonl    the fault ledger (chaos)
        admin-token     secrets (0600, see stack_secrets.py)
        redis-password
        run/            generated configs and logs of the current `up`
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import psutil
from pydantic import BaseModel, ConfigDict, Field

from slogate.errors import UsageError
from slogate.host.files import read_model, write_atomically

STATE_ROOT_ENV = "SLOGATE_HOME"
STACK_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
STACK_DIR_MODE = 0o700


def slogate_home() -> Path:
    """The folder holding all stacks' state: `$SLOGATE_HOME` or `./.slogate`."""
    return Path(os.environ.get(STATE_ROOT_ENV) or ".slogate").resolve()


def stack_dir(stack: str) -> Path:
    """The folder of stack `stack` (the name is checked: lowercase letters, digits, dashes)."""
    if not STACK_NAME.match(stack):
        raise UsageError(
            f"stack name {stack!r} is not valid: use 1-40 lowercase letters, digits or dashes"
        )
    return slogate_home() / "stacks" / stack


def ensure_stack_dir(stack: str) -> Path:
    """The stack's folder, created if needed, readable by its owner only (0700; a folder an
    older slogate made 0755 is tightened)."""
    path = stack_dir(stack)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.mkdir(mode=STACK_DIR_MODE, exist_ok=True)
    if path.stat().st_mode & 0o777 != STACK_DIR_MODE:
        path.chmod(STACK_DIR_MODE)
    return path


class ProcessRecord(BaseModel):
    """One process a stack started."""

    model_config = ConfigDict(extra="forbid")

    pid: int
    create_time: float = Field(description="psutil's create_time of the process, in seconds")
    command: list[str] = Field(default_factory=list)
    log: str | None = None

    def is_running(self) -> bool:
        """True only if this very process (same pid and start time) still runs."""
        try:
            process = psutil.Process(self.pid)
            same = abs(process.create_time() - self.create_time) < 0.01
            return same and process.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    @classmethod
    def of(cls, pid: int, command: list[str], log: str | None = None) -> ProcessRecord:
        """Record the running process `pid`."""
        return cls(pid=pid, create_time=psutil.Process(pid).create_time(), command=command, log=log)


class PartState(BaseModel):
    """One part of a stack: a replica, Redis, the edge, Prometheus, the supervisor."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="replica-0, replica-1, redis, edge, prometheus, supervisor")
    kind: str = Field(description="replica | redis | edge | prometheus | supervisor")
    port: int | None = None
    url: str | None = None
    process: ProcessRecord | None = None
    extra: dict[str, str | int | float] = Field(default_factory=dict)


class StackState(BaseModel):
    """What `slogate up` writes and every later command reads."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = 1
    stack: str
    platform: str = "local"
    started_at: float
    run_dir: str
    edge_url: str | None = None
    prometheus_url: str | None = None
    supervisor_url: str | None = None
    client_metrics_port: int | None = Field(
        default=None, description="port reserved for the load generator's client metrics"
    )
    scrape_interval_s: float = 1.0
    parts: list[PartState] = Field(default_factory=list)

    def part(self, name: str) -> PartState:
        """The part called `name`."""
        for part in self.parts:
            if part.name == name:
                return part
        raise KeyError(name)

    def parts_of_kind(self, kind: str) -> list[PartState]:
        """All parts of one kind, in order."""
        return [part for part in self.parts if part.kind == kind]


def state_path(stack: str) -> Path:
    """Path of the stack's state file."""
    return stack_dir(stack) / "state.json"


def load_state(stack: str) -> StackState | None:
    """The stack's state, or None when it is not up (no state file)."""
    return read_model(state_path(stack), StackState, f"run `slogate down --stack {stack}`")


def require_state(stack: str) -> StackState:
    """The stack's state; a usage error saying how to start it when it is not up."""
    state = load_state(stack)
    if state is None:
        raise UsageError(f"stack {stack!r} is not up: start it with `slogate up --stack {stack}`")
    return state


def save_state(state: StackState) -> Path:
    """Write the state atomically (write a temporary file, then rename)."""
    ensure_stack_dir(state.stack)
    path = state_path(state.stack)
    write_atomically(path, state.model_dump_json(indent=2))
    return path


def remove_state(stack: str) -> None:
    """Forget the stack's state (after `down`)."""
    state_path(stack).unlink(missing_ok=True)

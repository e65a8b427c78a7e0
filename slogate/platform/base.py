"""What every platform offers: the `Platform` protocol and the data it hands out.

The gate, the command line and the chaos runner know these types only; which implementation
serves a stack is decided by `registry.py` from `platform:` in slogate.yaml (or the stack's
state file). A platform:

    traffic          the stack answers requests (False: pods are simulated; steps that need
                     traffic, such as seeding, port-forwards and Prometheus, are skipped)
    cannot_measure   why SLIs at a place (server, client, edge) cannot be measured on this
                     platform, for a stack in this state (None: they can); a gate reports such
                     objectives as not measurable and not gating
    preflight        everything that must hold before anything starts (exit 2 otherwise)
    start            bring a stack up detached, with progress events (`slogate up`)
    run_foreground   bring it up and supervise it in this process until asked to stop
    gate_session     a stack owned by one gate run: up (seeding and the load generator's
                     start overlap the stack's own start-up), down
    seed             the service's data set on a ready stack
    down             stop a stack from outside (also after its supervisor died)
    status           one row per part: port, readiness, restarts, faults
    chaos_backend    how chaos activities reach the stack (recorded in the fault ledger)
    remove_fault     roll back one ledger fault from its Rollback descriptor alone
    doctor / tools   what the platform needs from this machine, and the versions it found

A platform that runs the load generator itself (Kubernetes: Locust's master and worker
Deployments) is also a `DistributedLoad`.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, Field

from slogate.config import SlogateConfig
from slogate.platform.state import PartState, StackState

if TYPE_CHECKING:
    from slogate.chaos.ledger import Fault, FaultLedger
    from slogate.load.runner import LoadPlan


class StackEvent(BaseModel):
    """Progress of a stack's start-up: one part started or ready, `t` seconds after `up`.

    `part` is a part's name (replica-0, redis, edge, prometheus, ...), or `stack` for the whole
    stack being ready."""

    part: str
    phase: Literal["started", "ready"]
    t: float
    port: int | None = None
    pid: int | None = None


OnEvent = Callable[[StackEvent], None]
ShouldStop = Callable[[], bool]
# starts the load generator against `host` with its client metrics on `port`, held before
# its first request (see gate/traffic.py)
LoadStarter = Callable[[str, int], subprocess.Popen[bytes]]


@dataclass(frozen=True)
class SessionHooks:
    """What a gate session reports to and asks of its gate."""

    on_event: OnEvent
    should_stop: ShouldStop
    seed_log: Path | None = None  # seed the data set, logging here (None: do not seed)
    # the load's warm-up: a session whose metrics start late may hold `up` until the warm-up
    # would end about when the first samples come (so the baseline is not shortened)
    warmup_s: float = 0.0
    start_load: LoadStarter | None = None  # called once the edge's address is known (None: no load)


class PartRow(BaseModel):
    """One part of a stack as `slogate status` shows it."""

    part: str
    port: int | None
    pid: int | None
    running: bool
    ready: str
    restarts: int | str
    faults: str


class PartStatus(BaseModel):
    """A part as its supervisor sees it: which process, and how often it was restarted."""

    name: str
    pid: int | None
    running: bool
    deleting: bool = False
    restarts: int = 0


class StackDown(BaseModel):
    """What `down` did."""

    stack: str
    was_up: bool
    still_running: list[int] = Field(default_factory=list, description="pids it could not stop")
    not_removed: list[str] = Field(
        default_factory=list, description="what it could not remove (objects on a cluster)"
    )
    notes: list[str] = Field(default_factory=list)


class DoctorCheck(BaseModel):
    """One line of `slogate doctor`: `ok` false counts as a problem."""

    ok: bool
    status: str  # ok | missing | in use | low
    detail: str


class GateSession(Protocol):
    """A stack owned by one gate run (this process supervises it)."""

    def up(self) -> StackState:
        """Start every part, seed the data set (when asked), return once it serves; on failure
        everything started is stopped before the error is raised."""

    def samples_from(self) -> float | None:
        """The wall time by which Prometheus had a sample from every target (after `up`;
        waits for it when `up` did not), or None when the platform does not track it: the
        gate's baseline starts at least one scrape later. Raises InfrastructureError when
        Prometheus never scraped every target."""

    def take_load(self) -> subprocess.Popen[bytes] | None:
        """The load generator started during `up` (handed over once), if any."""

    def down(self) -> None:
        """Stop everything this session started (idempotent, every way out)."""


class ChaosBackend(Protocol):
    """How slogate's chaos activities reach one stack; every fault goes into the ledger
    (intent before apply, applied with the injector's id, or failed)."""

    @property
    def state(self) -> StackState: ...

    def replicas(self) -> list[PartState]: ...

    def pick_replicas(self, count: int | None, percentage: float | None, rand: bool) -> list[str]:
        """Names of the replicas to act on."""

    def delete_replica(self, name: str, kind: str = "replica_delete") -> str:
        """Delete a replica the Kubernetes way (drain, SIGTERM, replace); its ledger id."""

    def process_fault(self, part: str, action: str, ttl_s: float, kind: str) -> str:
        """kill | term | stop a part, ended at its TTL by the injector; its ledger id."""

    def persist_dependency(self) -> None:
        """Make the data store keep its data across a kill (SAVE first)."""

    def target_fault_everywhere(self, spec: dict[str, Any], ttl_s: float) -> list[str]:
        """The target's own fault hook (latency, errors, ...) on every replica; ledger ids."""

    def active_faults(self) -> int:
        """Faults in force at every injector (the target's hooks, process faults)."""

    def part_status(self, name: str) -> PartStatus:
        """One part as its supervisor (or the platform's controller) sees it now."""

    def replica_ready(self, replica: PartState) -> bool: ...

    def rolling_restart(self, ready_timeout_s: float) -> list[dict[str, Any]]:
        """Replace every replica, none taken away before its replacement is ready, each
        replacement ready within `ready_timeout_s`; what was restarted, and how long it took.
        Recorded as `replica_restart` faults the platform heals (nothing can undo a restart)."""

    def disturb_network(self, spec: dict[str, Any], ttl_s: float, kind: str = "network") -> str:
        """A network fault (delay, loss, partition) on the target's pods, ended at its TTL by
        the injector (Chaos Mesh on Kubernetes); its ledger id."""

    def cannot_run(self, activity: str) -> str | None:
        """Why this stack cannot carry out `activity` (a slogate.chaos.actions function), asked
        before a run starts; None when it can."""


class Platform(Protocol):
    """One way of running a stack (local processes, Kubernetes)."""

    name: str

    def traffic(self, state: StackState) -> bool:
        """The stack's service answers requests slogate can reach (False: its pods are
        simulated, as on kwok; the steps that need traffic are skipped)."""

    def cannot_measure(self, place: str, state: StackState | None = None) -> str | None:
        """Why the SLIs measured at `place` (server, client, edge) do not exist on this
        platform for a stack in `state` (None: what it can measure whatever the stack); None
        when they do."""

    def preflight(self, config: SlogateConfig, stack: str) -> None: ...

    def start(self, config: SlogateConfig, stack: str, on_event: OnEvent) -> StackState: ...

    def run_foreground(
        self,
        config: SlogateConfig,
        stack: str,
        on_event: OnEvent,
        on_ready: Callable[[StackState], None],
        should_stop: ShouldStop,
    ) -> None: ...

    def gate_session(
        self, config: SlogateConfig, stack: str, hooks: SessionHooks
    ) -> GateSession: ...

    def seed(self, config: SlogateConfig, state: StackState, log: Path) -> bool: ...

    def down(self, stack: str, timeout: float) -> StackDown: ...

    def status(self, state: StackState, readiness_path: str) -> list[PartRow]: ...

    def supervisor_alive(self, state: StackState) -> bool: ...

    def chaos_backend(
        self, state: StackState, ledger: FaultLedger, run_id: str, experiment: str | None
    ) -> ChaosBackend:
        """Faults recorded under `run_id` (tagged with `experiment` when a gate runs it)."""

    def remove_fault(self, stack: str, fault: Fault) -> str:
        """What was done; FaultNotRemoved when the injector answered but kept it."""

    def doctor(self, config: SlogateConfig) -> list[DoctorCheck]: ...

    def tool_versions(self) -> dict[str, str | None]: ...


@runtime_checkable
class DistributedLoad(Protocol):
    """A platform whose stacks run Locust's master and workers themselves."""

    def deploy_load(
        self, config: SlogateConfig, stack: str, plan: LoadPlan, on_ready: Callable[[str], None]
    ) -> list[str]:
        """Deploy a master and `plan.workers` workers running `plan` against the stack, wait
        until they are up (`on_ready` gets each part's name) and return what to tell the user."""
        ...


class FaultNotRemoved(Exception):
    """The injector answered but did not remove the fault (it stays open in the ledger)."""

"""The local platform behind the `Platform` protocol (see platform/base.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from slogate.chaos.ledger import Fault, FaultLedger
from slogate.config import SlogateConfig
from slogate.errors import ConfigError, MissingDependencyError, UsageError
from slogate.host.binaries import PACKAGES, binary_check, binary_version, find_binary
from slogate.host.ports import port_in_use
from slogate.platform.base import (
    ChaosBackend,
    DoctorCheck,
    GateSession,
    OnEvent,
    PartRow,
    SessionHooks,
    ShouldStop,
    StackDown,
)
from slogate.platform.local.chaos_backend import LocalBackend
from slogate.platform.local.fault_removal import remove_local_fault
from slogate.platform.local.gate_session import LocalGateSession
from slogate.platform.local.launcher import preflight, start_detached
from slogate.platform.local.redis import stack_redis
from slogate.platform.local.stack import LocalStack, down_stack, down_without_state
from slogate.platform.local.status import part_rows, supervisor_alive
from slogate.platform.local.toxiproxy import BINARY, VERSION, find_toxiproxy
from slogate.platform.seeding import seed_stack
from slogate.platform.state import StackState

__all__ = ["LocalPlatform"]


def _toxiproxy_check() -> DoctorCheck:
    """`faults: toxiproxy` needs toxiproxy-server (built by `make setup`)."""
    try:
        path = find_toxiproxy()
    except UsageError as error:
        return DoctorCheck(ok=False, status="missing", detail=str(error))
    return DoctorCheck(ok=True, status="ok", detail=f"{BINARY:<13} {VERSION:<10} {path}")


class LocalPlatform:
    """Real processes on loopback: Redis, N replicas, the HAProxy edge, Prometheus."""

    name = "local"

    def traffic(self, state: StackState) -> bool:
        return True

    def cannot_measure(self, place: str, state: StackState | None = None) -> str | None:
        return None  # the replicas, the load generator and the edge are all scraped

    def preflight(self, config: SlogateConfig, stack: str) -> None:
        preflight(config, stack)

    def start(self, config: SlogateConfig, stack: str, on_event: OnEvent) -> StackState:
        return start_detached(config, stack, on_event)

    def run_foreground(
        self,
        config: SlogateConfig,
        stack: str,
        on_event: OnEvent,
        on_ready: Callable[[StackState], None],
        should_stop: ShouldStop,
    ) -> None:
        preflight(config, stack)
        local = LocalStack(config, stack, progress=on_event, should_stop=should_stop)
        try:
            on_ready(local.up())
            local.serve()
        finally:
            local.down()

    def gate_session(self, config: SlogateConfig, stack: str, hooks: SessionHooks) -> GateSession:
        return LocalGateSession(config, stack, hooks)

    def seed(self, config: SlogateConfig, state: StackState, log: Path) -> bool:
        return seed_stack(config, stack_redis(state).url, log)

    def down(self, stack: str, timeout: float) -> StackDown:
        try:
            state = down_stack(stack, timeout=timeout)
        except ConfigError as error:  # an unreadable state file: find the stack's processes
            return down_without_state(stack, timeout, str(error))
        return StackDown(stack=stack, was_up=state is not None)

    def status(self, state: StackState, readiness_path: str) -> list[PartRow]:
        return part_rows(state, readiness_path)

    def supervisor_alive(self, state: StackState) -> bool:
        return supervisor_alive(state)

    def chaos_backend(
        self, state: StackState, ledger: FaultLedger, run_id: str, experiment: str | None
    ) -> ChaosBackend:
        return LocalBackend(state, ledger, run_id, experiment)

    def remove_fault(self, stack: str, fault: Fault) -> str:
        return remove_local_fault(stack, fault)

    def doctor(self, config: SlogateConfig) -> list[DoctorCheck]:
        checks = [binary_check(name) for name in PACKAGES]
        if config.faults == "toxiproxy":
            checks.append(_toxiproxy_check())
        for what, port in config.ports.model_dump().items():
            if port is None:
                continue
            if port_in_use(port):
                checks.append(
                    DoctorCheck(ok=False, status="in use", detail=f"port {port} pinned for {what}")
                )
            else:
                detail = f"port {port} pinned for {what} is free"
                checks.append(DoctorCheck(ok=True, status="ok", detail=detail))
        return checks

    def tool_versions(self) -> dict[str, str | None]:
        versions: dict[str, str | None] = {}
        for name in PACKAGES:
            try:
                versions[name] = binary_version(find_binary(name))
            except MissingDependencyError:
                versions[name] = None
        return versions

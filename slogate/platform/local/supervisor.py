"""The supervisor plays the kubelet for a local stack.

It owns every child process (started from its main thread), restarts a part that dies with
capped exponential back-off (restart count exported as `slogate_restarts_total{part}`),
deletes a replica the Kubernetes way (drain at the edge, SIGTERM, SIGKILL after the grace
period, then a new process), and applies process faults with a TTL it enforces itself. With a
fault proxy (`faults: toxiproxy`) it also partitions replicas (their proxy disabled until the
TTL); its sweep thread (toxic_sweep.py) removes every Toxiproxy toxic whose TTL has passed and
enables again every proxy no active partition holds.

All process handling happens on the main thread in `tick()`; the HTTP thread (control.py)
hands requests over through `call()`.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import signal
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import psutil
from prometheus_client import CollectorRegistry, Counter, Gauge

from slogate.config import TimingsConfig
from slogate.errors import UsageError
from slogate.host.processes import record, signal_group, spawn, stop_process
from slogate.platform.local import haproxy, toxiproxy
from slogate.platform.local.faults import Fault, FaultRequest
from slogate.platform.local.toxic_sweep import ToxicSweep
from slogate.platform.state import ProcessRecord

log = logging.getLogger("slogate.supervisor")
T = TypeVar("T")
SECOND_SIGNAL_GAP_S = 0.1
RELOADS_ON_SIGHUP = ("prometheus",)


@dataclass
class Part:
    """One supervised process: how to start it and what happened to it."""

    name: str
    kind: str
    command: list[str]
    log: Path
    port: int | None = None
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    process: subprocess.Popen[bytes] | None = None
    record: ProcessRecord | None = None
    restarts: int = 0
    failures_in_a_row: int = 0
    started_at: float = 0.0
    restart_at: float | None = None
    deleting_since: float | None = None
    last_exit_code: int | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class Supervisor:
    """Owns the parts of one stack while it is up."""

    def __init__(
        self, timings: TimingsConfig, edge_socket: Path | None = None, stack: str = "default"
    ) -> None:
        self.timings = timings
        self.edge_socket = edge_socket
        self.stack = stack
        self.parts: dict[str, Part] = {}
        self.faults: list[Fault] = []
        self.on_change: Callable[[], None] = lambda: None
        self.fault_proxy_url: str | None = None
        self._toxic_sweep: ToxicSweep | None = None
        self._calls: queue.Queue[tuple[Callable[[], Any], Future[Any]]] = queue.Queue()
        self.registry = CollectorRegistry()
        self._restarts = Counter(
            "slogate_restarts", "Restarts of a part after it died", ["part"], registry=self.registry
        )
        self._deletions = Counter(
            "slogate_deletions", "Parts deleted and replaced", ["part"], registry=self.registry
        )
        self._up = Gauge("slogate_part_up", "1 while the part's process runs", ["part"],
                         registry=self.registry)  # fmt: skip
        self._faults_active = Gauge(
            "slogate_faults_active", "Process faults in force", ["part", "action"],
            registry=self.registry,
        )  # fmt: skip

    # -- starting -------------------------------------------------------------------------

    def add(self, part: Part) -> Part:
        """Start `part` now and supervise it from then on."""
        self.parts[part.name] = part
        self._restarts.labels(part.name)
        self._deletions.labels(part.name)
        for action in ("kill", "term", "stop", "partition"):
            self._faults_active.labels(part.name, action)
        self._start(part)
        return part

    def _start(self, part: Part) -> None:
        part.process = spawn(part.command, part.log, env=part.env, cwd=part.cwd)
        part.record = record(part.process, part.log)
        part.started_at = time.monotonic()
        part.restart_at = None
        self._up.labels(part.name).set(1)
        self.on_change()

    # -- the loop ------------------------------------------------------------------------

    def call(self, function: Callable[[], T], timeout: float = 10.0) -> T:
        """Run `function` on the supervisor's main thread (from another thread)."""
        future: Future[T] = Future()
        self._calls.put((function, future))
        return future.result(timeout=timeout)

    def tick(self, wait: float = 0.05) -> None:
        """One round: run queued calls, notice exits, restart, escalate, end faults."""
        self.serve_calls(wait)
        now = time.monotonic()
        self._end_expired_faults()
        for part in self.parts.values():
            self._watch(part, now)

    def serve_calls(self, wait: float = 0.05) -> None:
        """Run the calls other threads queued (waits up to `wait` s for the first)."""
        try:
            function, future = self._calls.get(timeout=wait)
        except queue.Empty:
            pass
        else:
            try:
                future.set_result(function())
            except Exception as error:  # handed to the caller's thread
                future.set_exception(error)

    def _watch(self, part: Part, now: float) -> None:
        process = part.process
        if process is None:
            if part.restart_at is not None and now >= part.restart_at and not self._held(part):
                self._restart(part)
            return
        code = process.poll()
        if code is None:
            if part.deleting_since is not None and now - part.deleting_since > (
                self.timings.grace_period_s
            ):
                signal_group(process.pid, signal.SIGKILL)
            return
        part.process = None
        part.last_exit_code = code
        self._up.labels(part.name).set(0)
        signal_group(process.pid, signal.SIGKILL)  # anything the leader left in its group
        log.warning("%s exited with %s (log: %s)", part.name, code, part.log)
        if part.deleting_since is not None:
            part.deleting_since = None
            self._deletions.labels(part.name).inc()
            self._start(part)
            self._edge_state(part, "ready")
            return
        if now - part.started_at > self.timings.restart_backoff_reset_s:
            part.failures_in_a_row = 0
        delay = min(
            self.timings.restart_backoff_base_s * 2**part.failures_in_a_row,
            self.timings.restart_backoff_cap_s,
        )
        part.failures_in_a_row += 1
        part.restart_at = now + delay

    def _held(self, part: Part) -> bool:
        return any(
            f.active and f.part == part.name and f.action in ("kill", "term") for f in self.faults
        )

    def _restart(self, part: Part) -> None:
        part.restarts += 1
        self._restarts.labels(part.name).inc()
        log.warning("restarting %s (restart %d)", part.name, part.restarts)
        self._start(part)

    # -- delete (the Kubernetes way) ------------------------------------------------------

    def delete(self, name: str) -> dict[str, Any]:
        """Drain `name` at the edge, SIGTERM it, SIGKILL after the grace period, replace it."""
        part = self._part(name)
        if part.process is None or part.deleting_since is not None:
            raise UsageError(f"part {name!r} is not running (or is already being deleted)")
        self._edge_state(part, "drain")
        pid = part.process.pid
        signal_group(pid, signal.SIGCONT)
        signal_group(pid, signal.SIGTERM)
        part.deleting_since = time.monotonic()
        return {"part": name, "pid": pid, "grace_period_s": self.timings.grace_period_s}

    def reload(self, name: str) -> dict[str, Any]:
        """SIGHUP a part that reloads its configuration on it (Prometheus: config and rules)."""
        part = self._part(name)
        if part.kind not in RELOADS_ON_SIGHUP:
            raise UsageError(f"part {name!r} ({part.kind}) does not reload on SIGHUP")
        if part.process is None or part.process.poll() is not None:
            raise UsageError(f"part {name!r} is not running")
        part.process.send_signal(signal.SIGHUP)
        return {"part": name, "pid": part.process.pid}

    def _edge_state(self, part: Part, state: haproxy.ServerState) -> None:
        if part.kind != "replica" or self.edge_socket is None:
            return
        try:
            haproxy.set_server_state(self.edge_socket, part.name, state)
        except (OSError, RuntimeError) as error:
            log.warning("could not set %s to %s at the edge: %s", part.name, state, error)

    # -- faults ---------------------------------------------------------------------------

    def apply_fault(self, request: FaultRequest) -> Fault:
        """Apply a process fault now; it ends by itself at its TTL."""
        part = self._part(request.part)
        if any(f.active and f.part == part.name for f in self.faults):
            raise UsageError(f"part {part.name!r} already has an active fault")
        pid = part.process.pid if part.process is not None else None
        if pid is None:
            raise UsageError(f"part {part.name!r} is not running")
        fault = Fault.applied(request, pid)
        if fault.action == "partition":
            self._partition(part, fault)
            return fault
        self.faults.append(fault)
        self._faults_active.labels(part.name, fault.action).set(1)
        signum = {"kill": signal.SIGKILL, "term": signal.SIGTERM, "stop": signal.SIGSTOP}
        signal_group(pid, signum[fault.action])
        if fault.action == "stop":
            self._up.labels(part.name).set(0)
            _wait_until_stopped(pid, timeout=1.0)  # in force when the caller gets the answer
        log.warning("fault %s: %s %s for %.1f s", fault.id, fault.action, part.name, fault.ttl_s)
        return fault

    def _partition(self, part: Part, fault: Fault) -> None:
        if part.kind != "replica" or self.fault_proxy_url is None:
            raise UsageError(
                f"cannot partition {part.name!r}: only a replica of a stack with a fault proxy "
                "(slogate.yaml `faults: toxiproxy`) can be cut off"
            )
        # recorded first: toxiproxy may apply the disable and still time out, and the ledger's
        # rollback must then find the fault to end; the sweep never re-enables a held proxy
        self.faults.append(fault)
        try:
            toxiproxy.set_enabled(self.fault_proxy_url, part.name, False)
        except httpx.HTTPError as error:
            self.faults.remove(fault)
            with contextlib.suppress(httpx.HTTPError):  # else the sweep enables it
                toxiproxy.set_enabled(self.fault_proxy_url, part.name, True)
            raise UsageError(f"toxiproxy did not disable {part.name}'s proxy: {error}") from None
        self._faults_active.labels(part.name, fault.action).set(1)
        log.warning("fault %s: partition %s for %.1f s", fault.id, part.name, fault.ttl_s)

    def watch_fault_proxy(self, url: str) -> None:
        """Partition through, and sweep, the toxiproxy-server at `url` (until stop_all)."""
        self.fault_proxy_url = url
        self._toxic_sweep = ToxicSweep(url, self._partitioned)
        self._toxic_sweep.start()

    def _partitioned(self) -> set[str]:
        return {f.part for f in list(self.faults) if f.active and f.action == "partition"}

    def end_fault(self, fault_id: str, by: str = "request") -> Fault:
        """End a fault before its TTL (DELETE /faults/{id})."""
        for fault in self.faults:
            if fault.id == fault_id:
                if fault.active:
                    self._end(fault, "request" if by == "request" else "shutdown")
                return fault
        raise UsageError(f"no fault with id {fault_id!r}")

    def _end(self, fault: Fault, by: Any) -> None:
        fault.end(by)
        self._faults_active.labels(fault.part, fault.action).set(0)
        part = self.parts[fault.part]
        if fault.action == "stop" and part.process is not None and part.process.pid == fault.pid:
            signal_group(fault.pid or 0, signal.SIGCONT)
            self._up.labels(part.name).set(1)
        elif fault.action in ("kill", "term") and part.restart_at is not None:
            part.restart_at = min(part.restart_at, time.monotonic())
        elif fault.action == "partition" and self.fault_proxy_url is not None:
            try:
                toxiproxy.set_enabled(self.fault_proxy_url, part.name, True)
            except httpx.HTTPError as error:  # the sweep enables it (no partition holds it)
                log.warning("could not enable %s's proxy again (the sweep retries): %s",
                            part.name, error)  # fmt: skip
        log.warning("fault %s ended (%s)", fault.id, by)

    def _end_expired_faults(self) -> None:
        now = time.time()
        for fault in self.faults:
            if fault.active and now >= fault.expires_at:
                self._end(fault, "ttl")

    # -- status and shutdown -------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """What GET /status returns."""
        return {
            "stack": self.stack,
            "parts": [
                {
                    "name": p.name,
                    "kind": p.kind,
                    "port": p.port,
                    "pid": p.process.pid if p.process is not None else None,
                    "running": p.running,
                    "restarts": p.restarts,
                    "deleting": p.deleting_since is not None,
                    "last_exit_code": p.last_exit_code,
                    "log": str(p.log),
                }
                for p in self.parts.values()
            ],
            "faults": [f.model_dump() for f in self.faults if f.active],
        }

    def _part(self, name: str) -> Part:
        try:
            return self.parts[name]
        except KeyError:
            known = ", ".join(self.parts)
            raise UsageError(f"no part named {name!r}; parts: {known}") from None

    def stop_all(self) -> None:
        """Stop every part (all at once: SIGTERM, SIGKILL after the stop timeout)."""
        if self._toxic_sweep is not None:
            self._toxic_sweep.stop()
            self._toxic_sweep = None
        for fault in self.faults:
            if fault.active:
                self._end(fault, "shutdown")
        running = [p for p in self.parts.values() if p.process is not None]
        for part in running:
            assert part.process is not None
            signal_group(part.process.pid, signal.SIGCONT)
            signal_group(part.process.pid, signal.SIGTERM)
        # The whole stack goes down, edge included: a replica's shutdown delay (serving on
        # while the edge stops routing to it) has nothing to wait for. A second SIGTERM skips
        # it; sent to all at once (after a gap, so the two signals are not merged into one),
        # the replicas stop side by side instead of one after the other.
        time.sleep(SECOND_SIGNAL_GAP_S)
        for part in running:
            assert part.process is not None
            if part.process.poll() is None:
                signal_group(part.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + self.timings.stop_timeout_s
        for part in running:
            assert part.process is not None
            with contextlib.suppress(subprocess.TimeoutExpired):
                part.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            stop_process(part.process, 0.0)  # SIGKILL for what outlived the stop timeout
            part.process = None
            self._up.labels(part.name).set(0)


def _wait_until_stopped(pid: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_STOPPED:
                return
        except psutil.Error:
            return
        time.sleep(0.005)

"""`up` and `down` of a local stack: the order of parts and the clean-up on failure.

Order: the supervisor's own HTTP surface, Prometheus (first: its first sample arrives about
5 s after it starts; its readiness is asked once the rest started), Redis, the replicas, with
`faults: toxiproxy` the fault proxy in front of them (toxiproxy.py), the edge; then wait until
the edge answers and Prometheus has a sample from every target. Every process is recorded in
the state file as soon as it starts, so `down` can stop a half-started stack. On any failure
everything already started is stopped and the error names the failing part's log.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import time
from collections.abc import Callable
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Literal

import psutil

from slogate.config import SlogateConfig
from slogate.errors import InfrastructureError, Interrupted
from slogate.host.binaries import require_binaries
from slogate.host.ports import HOST
from slogate.host.processes import stop_recorded
from slogate.platform.base import OnEvent, StackDown, StackEvent
from slogate.platform.local import haproxy, prometheus, redis, toxiproxy
from slogate.platform.local.control import serve_control
from slogate.platform.local.first_samples import SampleTargets
from slogate.platform.local.orphans import stop_stack_processes
from slogate.platform.local.ports import StackPorts, allocate_ports
from slogate.platform.local.readiness import http_ok, redis_answers
from slogate.platform.local.replicas import replica_launch
from slogate.platform.local.supervisor import Part, Supervisor
from slogate.platform.prometheus_server import (
    prometheus_command,
    write_prometheus_config,
)
from slogate.platform.stack_secrets import ADMIN_TOKEN, REDIS_PASSWORD, ensure_secret
from slogate.platform.state import (
    PartState,
    ProcessRecord,
    StackState,
    ensure_stack_dir,
    load_state,
    remove_state,
    save_state,
    stack_dir,
    state_path,
)


class LocalStack:
    """One stack on this machine, owned by the process that calls `up` (the supervisor)."""

    def __init__(
        self,
        config: SlogateConfig,
        stack: str,
        progress: OnEvent | None = None,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> None:
        self.config = config
        self.stack = stack
        self.progress = progress or (lambda event: None)
        self.should_stop = should_stop
        self.supervisor = Supervisor(config.timings, stack=stack)
        self.ports: StackPorts | None = None
        self.control: ThreadingHTTPServer | None = None
        self.state: StackState | None = None
        self.redis_url: str | None = None
        self._t0 = 0.0
        self._ready_after: dict[str, float] = {}

    # -- up -------------------------------------------------------------------------------

    def up(self, first_samples: bool = True) -> StackState:
        """Start every part and wait until the stack is ready; clean up on any failure.

        Ready means serving (the edge and every replica ready) and, unless `first_samples` is
        False, Prometheus has a sample from every target; a gate session awaits those beside
        its load's warm-up instead (first_samples.py)."""
        self._t0 = time.monotonic()
        binaries = require_binaries()
        fault_proxy = toxiproxy.find_toxiproxy() if self.config.faults == "toxiproxy" else None
        run_dir = ensure_stack_dir(self.stack) / "run"
        shutil.rmtree(run_dir, ignore_errors=True)
        (run_dir / "logs").mkdir(parents=True)
        admin_token = ensure_secret(self.stack, ADMIN_TOKEN)
        try:
            self.ports = ports = allocate_ports(self.config.ports, self.config.service.replicas)
            self.state = StackState(
                stack=self.stack,
                started_at=time.time(),
                run_dir=str(run_dir),
                client_metrics_port=ports.client_metrics,
                scrape_interval_s=self.config.timings.scrape_interval_s,
            )
            self.supervisor.on_change = self._save
            self.supervisor.edge_socket = haproxy.runtime_socket_path(run_dir)
            self.control = serve_control(self.supervisor, ports.supervisor, admin_token)
            self._save()
            self._event("supervisor", "ready", port=ports.supervisor)
            self._start_prometheus(binaries["prometheus"].path, run_dir, ports)
            self._start_redis(binaries["redis-server"].path, run_dir, ports)
            self._start_replicas(run_dir, ports, admin_token)
            if fault_proxy is not None:
                self._start_fault_proxy(fault_proxy, run_dir, ports)
            self._start_edge(binaries["haproxy"].path, run_dir, ports)
            # asked last: it answers ~0.2 s after its start, while the other parts start
            self._wait_for_prometheus(ports)
            if first_samples:
                self._wait_for_first_samples()
        except BaseException:
            self.down()
            raise
        state = self.state
        state.edge_url = f"http://{HOST}:{ports.edge}"
        state.prometheus_url = f"http://{HOST}:{ports.prometheus}"
        state.supervisor_url = f"http://{HOST}:{ports.supervisor}"
        self._save()
        self._event("stack", "ready")
        return state

    def _event(
        self, part: str, phase: Literal["started", "ready"], port: int | None = None,
        pid: int | None = None,
    ) -> None:  # fmt: skip
        elapsed = round(time.monotonic() - self._t0, 3)
        self.progress(StackEvent(part=part, phase=phase, t=elapsed, port=port, pid=pid))
        if phase == "ready" and self.state is not None and part != "stack":
            self._ready_after[part] = elapsed

    def _start_prometheus(self, binary: str, run_dir: Path, ports: StackPorts) -> None:
        targets = prometheus.ScrapeTargets(
            replica_ports=ports.replicas,
            edge_metrics_port=ports.edge_metrics,
            supervisor_port=ports.supervisor,
            client_metrics_port=ports.client_metrics,
            metrics_path=self.config.service.metrics_path,
        )
        interval = self.config.timings.scrape_interval_s
        config = prometheus.prometheus_config(targets, run_dir, interval, self.stack)
        config_file = run_dir / "prometheus.yml"
        write_prometheus_config(config, config_file)
        command = prometheus_command(
            binary, config_file, run_dir / "prometheus-data", ports.prometheus
        )
        self._add("prometheus", "prometheus", command, ports.prometheus, run_dir)

    def _wait_for_prometheus(self, ports: StackPorts) -> None:
        url = f"http://{HOST}:{ports.prometheus}/-/ready"
        self._wait("prometheus", ["prometheus"], lambda: http_ok(url), 30.0)

    def _start_redis(self, binary: str, run_dir: Path, ports: StackPorts) -> None:
        (run_dir / "redis").mkdir()
        password = ensure_secret(self.stack, REDIS_PASSWORD)
        config_file = redis.write_redis_config(
            run_dir / "redis.conf", ports.redis, run_dir / "redis", password
        )
        command = redis.redis_command(binary, config_file)
        self.redis_url = redis.redis_url(ports.redis, password)
        self._add("redis", "redis", command, ports.redis, run_dir)
        self._wait("redis", ["redis"], lambda: redis_answers(ports.redis, password), 15.0)

    def _start_replicas(self, run_dir: Path, ports: StackPorts, admin_token: str) -> None:
        service = self.config.service
        assert self.redis_url is not None  # Redis is started first
        launches = [
            replica_launch(self.config, i, port, self.redis_url, admin_token)
            for i, port in enumerate(ports.replicas)
        ]
        for launch in launches:
            self._add(
                launch.name, "replica", launch.command, launch.port, run_dir, launch.env, launch.cwd
            )
        waiting = {launch.name: launch.port for launch in launches}

        def all_ready() -> bool:
            for name, port in list(waiting.items()):
                if http_ok(f"http://{HOST}:{port}{service.readiness_path}"):
                    del waiting[name]
                    self._event(name, "ready", port=port)
            return not waiting

        self._wait(
            "replica", list(waiting), all_ready, self.config.timings.ready_timeout_s, waiting
        )

    def _start_fault_proxy(self, binary: str, run_dir: Path, ports: StackPorts) -> None:
        ports.reserve_fault_proxies()
        assert ports.fault_proxy_api is not None
        config_file = toxiproxy.write_proxies_config(
            run_dir / "toxiproxy.json", ports.replicas, ports.fault_proxies
        )
        command = toxiproxy.toxiproxy_command(binary, ports.fault_proxy_api, config_file)
        self._add("toxiproxy", "fault-proxy", command, ports.fault_proxy_api, run_dir)
        url = toxiproxy.api_url(ports.fault_proxy_api)
        names = {f"replica-{i}" for i in range(len(ports.replicas))}
        self._wait(
            "toxiproxy",
            ["toxiproxy"],
            lambda: toxiproxy.all_proxies_listening(url, names),
            self.config.timings.ready_timeout_s,
        )
        self.supervisor.watch_fault_proxy(url)

    def _start_edge(self, binary: str, run_dir: Path, ports: StackPorts) -> None:
        socket_path = haproxy.runtime_socket_path(run_dir)
        settings = haproxy.EdgeSettings(
            port=ports.edge,
            metrics_port=ports.edge_metrics,
            replica_ports=ports.replicas,
            readiness_path=self.config.service.readiness_path,
            check_interval_ms=self.config.timings.health_check_interval_ms,
            socket_path=socket_path,
            retries=self.config.edge.retries,
            traffic_ports=ports.fault_proxies or None,
        )
        config_file = run_dir / "haproxy.cfg"
        config_file.write_text(haproxy.haproxy_config(settings))
        command = haproxy.haproxy_command(binary, config_file)
        self._add("edge", "edge", command, ports.edge, run_dir)
        expected = {f"replica-{i}" for i in range(len(ports.replicas))}
        readiness = f"http://{HOST}:{ports.edge}{self.config.service.readiness_path}"

        def edge_ready() -> bool:
            if not socket_path.exists():
                return False
            status = haproxy.server_status(socket_path)
            all_up = {name for name, value in status.items() if value == "UP"} >= expected
            return all_up and http_ok(readiness)

        self._wait("edge", ["edge"], edge_ready, self.config.timings.ready_timeout_s)

    def sample_targets(self) -> SampleTargets:
        """What Prometheus must have scraped before the stack's evidence starts."""
        ports = self.ports
        assert ports is not None and self.state is not None  # after the parts started
        replicas = {f"service/{HOST}:{port}" for port in ports.replicas}
        expected_up = replicas | {
            f"edge/{HOST}:{ports.edge_metrics}",
            f"supervisor/{HOST}:{ports.supervisor}",
        }
        return SampleTargets(
            url=f"http://{HOST}:{ports.prometheus}",
            up=frozenset(expected_up),
            any=frozenset({f"client/{HOST}:{ports.client_metrics}"}),
            log=str(Path(self.state.run_dir) / "logs" / "prometheus.log"),
        )

    def first_samples_timeout(self) -> float:
        return 30.0 + 5 * self.config.timings.scrape_interval_s

    def _wait_for_first_samples(self) -> None:
        targets = self.sample_targets()
        timeout = self.first_samples_timeout()
        self._wait("first-scrape", ["prometheus"], targets.sampled, timeout, interval=0.1)

    # -- helpers ---------------------------------------------------------------------------

    def _add(
        self,
        name: str,
        kind: str,
        command: list[str],
        port: int,
        run_dir: Path,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> Part:
        log = run_dir / "logs" / f"{name}.log"
        part = Part(name, kind, command, log, port=port, env=env or {}, cwd=cwd)
        self.supervisor.add(part)
        self._event(name, "started", port=port, pid=part.process.pid if part.process else None)
        return part

    def _wait(
        self,
        what: str,
        watched: list[str],
        predicate: Callable[[], bool],
        timeout: float,
        pending: dict[str, int] | None = None,
        interval: float = 0.05,
    ) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.should_stop():
                raise Interrupted(f"interrupted while waiting for {what}; stopped what started")
            for name in watched:
                part = self.supervisor.parts[name]
                if part.process is None or part.process.poll() is not None:
                    code = part.process.poll() if part.process else None
                    raise InfrastructureError(
                        f"{name} exited (code {code}) while starting; see its log: {part.log}"
                    )
            if predicate():
                if what not in ("replica", "first-scrape"):
                    self._event(what, "ready")
                elif what == "first-scrape":
                    self._event("prometheus-first-samples", "ready")
                return
            if time.monotonic() > deadline:
                culprit = next(iter(pending)) if pending else watched[0]
                log = self.supervisor.parts[culprit].log
                raise InfrastructureError(
                    f"{culprit} was not ready after {timeout:g} s; see its log: {log}"
                )
            self.supervisor.serve_calls(interval)

    def record_first_samples(self) -> None:
        """Prometheus has a sample from every target, seen beside a gate's load: in the state
        file (the prometheus part's `first_samples_after_s`), as `slogate up` records it."""
        self._ready_after["prometheus-first-samples"] = round(time.monotonic() - self._t0, 3)
        self._save()

    def _save(self) -> None:
        state = self.state
        if state is None:
            return
        own = ProcessRecord.of(psutil.Process().pid, ["slogate supervisor"])
        ports = self.ports
        parts = [
            PartState(
                name="supervisor",
                kind="supervisor",
                port=ports.supervisor if ports else None,
                url=f"http://{HOST}:{ports.supervisor}" if ports else None,
                process=own,
            )
        ]
        for part in self.supervisor.parts.values():
            extra: dict[str, str | int | float] = {}
            if part.name in self._ready_after:
                extra["ready_after_s"] = self._ready_after[part.name]
            if part.kind == "edge" and ports:
                extra["metrics_port"] = ports.edge_metrics
                extra["runtime_socket"] = str(haproxy.runtime_socket_path(Path(state.run_dir)))
            if part.kind == "prometheus":
                extra["rules_dir"] = str(prometheus.rules_dir(Path(state.run_dir)))
                if "prometheus-first-samples" in self._ready_after:
                    extra["first_samples_after_s"] = self._ready_after["prometheus-first-samples"]
            parts.append(
                PartState(
                    name=part.name,
                    kind=part.kind,
                    port=part.port,
                    url=f"http://{HOST}:{part.port}" if part.kind != "redis" else None,
                    process=part.record if part.running else None,
                    extra=extra,
                )
            )
        state.parts = parts
        save_state(state)

    # -- serve and down ---------------------------------------------------------------------

    def serve(self) -> None:
        """Supervise until asked to stop (SIGTERM / SIGINT / `slogate down`)."""
        while not self.should_stop():
            self.supervisor.tick(0.05)

    def down(self) -> None:
        """Stop every part, free the ports, forget the state."""
        self.supervisor.stop_all()
        if self.control is not None:
            self.control.shutdown()
            self.control.server_close()
            self.control = None
        if self.ports is not None:
            self.ports.release()
        if self.state is not None:
            haproxy.runtime_socket_path(Path(self.state.run_dir)).unlink(missing_ok=True)
        remove_state(self.stack)


def down_stack(stack: str, timeout: float = 20.0) -> StackState | None:
    """Stop stack `stack` from outside: ask its supervisor, then stop any recorded leftover.

    Works after the supervisor was SIGKILLed: every child's pid and start time is in the state
    file, and each child leads its own process group.
    """
    state = load_state(stack)
    if state is None:
        return None
    supervisor = next((p.process for p in state.parts if p.kind == "supervisor"), None)
    if supervisor is not None and supervisor.is_running():
        psutil.Process(supervisor.pid).send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and supervisor.is_running():
            time.sleep(0.05)
    children = [p.process for p in state.parts if p.process and p.kind != "supervisor"]
    stop_recorded(children, timeout=5.0)
    if supervisor is not None and supervisor.is_running():
        stop_recorded([supervisor], timeout=2.0)
    haproxy.runtime_socket_path(Path(state.run_dir)).unlink(missing_ok=True)
    remove_state(stack)
    return state


def down_without_state(stack: str, timeout: float, why: str) -> StackDown:
    """Stop a stack whose state file cannot be read: every process that lives in its folder
    (orphans.py); the unreadable file is kept aside for a look, so the next `up` starts clean."""
    folder = stack_dir(stack)
    notes = [f"the state file could not be read ({why})"]
    kept = state_path(stack).with_suffix(f".unreadable-{int(time.time())}")
    with contextlib.suppress(OSError):  # first: the supervisor removes state.json as it stops
        state_path(stack).replace(kept)
        notes.append(f"the unreadable state file is kept as {kept}")
    stopped, still = stop_stack_processes(folder, timeout)
    notes.append(
        f"stopped {len(stopped)} process(es) found in {folder}: {', '.join(map(str, stopped))}"
        if stopped
        else f"no process of the stack was running (searched {folder})"
    )
    if still:
        notes.append(f"could not stop: {', '.join(map(str, still))} (stop them by hand: kill PID)")
    return StackDown(stack=stack, was_up=True, still_running=still, notes=notes)

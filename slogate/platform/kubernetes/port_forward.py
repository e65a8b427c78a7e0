"""Port-forwards the platform owns: the target's Service and Prometheus on local ports.

Each forward is `kubectl port-forward service/NAME :PORT --address 127.0.0.1`, run by the
kubectl of `kubernetes.kubectl` (the one that builds the kustomize root) as a child process.
kubectl is used rather than the `kubernetes` client's portforward: it speaks whichever
protocol the API server offers (WebSocket or SPDY), tunnels many connections at once without a
thread per connection here, and lives in its own process, so slogate's load and evaluation
never share an interpreter with the tunnel. kubectl picks the local port itself (`:PORT`) and
prints it, so there is no race for a free port; `start_forward` waits (with a deadline) for
that line and fails naming the log when kubectl exits first.

Lifecycle: `slogate up` starts the forwards detached (they outlive the command, recorded in
the state file with their start times; `down` stops them; a thread of the process that
started one reaps it whenever it ends); a gate run starts them dying with
it (PR_SET_PDEATHSIG) and `Forwards.revive` starts a dead one again on the same local port
(a forward ends when the pod it picked goes away: a pod kill, a rolling restart).
"""

from __future__ import annotations

import re
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from slogate.errors import InfrastructureError
from slogate.host.ports import HOST
from slogate.host.processes import (
    reap_in_background,
    record,
    spawn,
    stop_process,
    stop_recorded,
)
from slogate.platform.kubernetes.cluster import ClusterAccess
from slogate.platform.state import PartState

__all__ = [
    "Forward",
    "ForwardTarget",
    "Forwards",
    "forward_command",
    "start_forward",
    "stop_forward_parts",
    "wait_until_ready",
]

FORWARD_KIND = "port-forward"
START_TIMEOUT_S = 30.0
STOP_GRACE_S = 5.0
READY_POLL_S = 0.2
HTTP_TIMEOUT_S = 2.0
_FORWARDING = re.compile(rb"Forwarding from 127\.0\.0\.1:(\d+) ->")


@dataclass(frozen=True)
class ForwardTarget:
    """What a forward reaches: `part` names it in the state file (forward-target, ...)."""

    part: str
    service: str
    port: str  # the Service's port, by name or number


@dataclass
class Forward:
    """A running forward: its kubectl, the local port and its log."""

    target: ForwardTarget
    process: subprocess.Popen[bytes]
    local_port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.local_port}"

    def part(self) -> PartState:
        """The forward as a part of the state file (process recorded with its start time)."""
        return PartState(
            name=self.target.part,
            kind=FORWARD_KIND,
            port=self.local_port,
            url=self.url,
            process=record(self.process, self.log),
            extra={"service": self.target.service, "service_port": self.target.port},
        )


def forward_command(
    kubectl: str, access: ClusterAccess, target: ForwardTarget, local_port: int | None
) -> list[str]:
    """kubectl port-forward to `target` on loopback; local port `local_port` (None: kubectl
    picks a free one and prints it)."""
    local = "" if local_port is None else str(local_port)
    return [
        kubectl,
        f"--kubeconfig={access.kubeconfig}",
        f"--context={access.context}",
        f"--namespace={access.namespace}",
        "--request-timeout=10s",
        "port-forward",
        "--address=127.0.0.1",
        "--pod-running-timeout=20s",
        f"service/{target.service}",
        f"{local}:{target.port}",
    ]


def start_forward(
    kubectl: str,
    access: ClusterAccess,
    target: ForwardTarget,
    log: Path,
    local_port: int | None = None,
    detached: bool = False,
    timeout_s: float = START_TIMEOUT_S,
) -> Forward:
    """Start a forward and return once kubectl says it listens (InfrastructureError naming
    the log when it exits first or says nothing within `timeout_s`; nothing is left running).
    `detached`: it outlives this process (`slogate up`); otherwise it dies with it."""
    log.parent.mkdir(parents=True, exist_ok=True)
    offset = log.stat().st_size if log.exists() else 0
    command = forward_command(kubectl, access, target, local_port)
    # 0: no parent-death signal (the forward belongs to the stack, not to this command)
    process = spawn(command, log, death_signal=0 if detached else signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            found = _FORWARDING.search(log.read_bytes()[offset:])
            if found:
                if detached:  # the stack's, stopped by `down`: reaped whenever it ends
                    reap_in_background(process)
                return Forward(target, process, int(found.group(1)), log)
            if process.poll() is not None:
                break
            time.sleep(0.05)
    except BaseException:
        stop_process(process, STOP_GRACE_S)
        raise
    stop_process(process, STOP_GRACE_S)
    said = log.read_bytes()[offset:].decode(errors="replace").strip().splitlines()[-3:]
    why = "exited" if process.returncode not in (None, -signal.SIGTERM) else "did not listen"
    raise InfrastructureError(
        f"port-forward to service {target.service} port {target.port} in namespace "
        f"{access.namespace} {why} within {timeout_s:.0f} s ({' | '.join(said) or 'no output'}); "
        f"see {log}"
    )


def wait_until_ready(
    url: str, path: str, timeout_s: float, what: str, via: str = "through its port-forward"
) -> float:
    """Poll `url + path` (through a forward, or `via` another way) until it answers 200;
    seconds it took (InfrastructureError naming `what` and the last answer otherwise)."""
    began = time.monotonic()
    last = "no answer"
    with httpx.Client(timeout=HTTP_TIMEOUT_S) as client:
        while time.monotonic() - began < timeout_s:
            try:
                response = client.get(url + path)
                if response.status_code == 200:
                    return time.monotonic() - began
                last = f"HTTP {response.status_code}"
            except httpx.HTTPError as error:
                last = f"{type(error).__name__}: {error}"
            time.sleep(READY_POLL_S)
    raise InfrastructureError(
        f"{what} did not answer 200 on {path} {via} ({url}) within "
        f"{timeout_s:.0f} s (last: {last}); check its pods with `kubectl get pods`"
    )


class Forwards:
    """The forwards of one stack: started together, stopped together, revived one by one."""

    def __init__(self, kubectl: str, access: ClusterAccess, run_dir: Path, detached: bool):
        self.kubectl = kubectl
        self.access = access
        self.run_dir = run_dir
        self.detached = detached
        self.running: dict[str, Forward] = {}
        self.restarts = 0

    def start(self, target: ForwardTarget) -> Forward:
        log = self.run_dir / f"{target.part}.log"
        forward = start_forward(self.kubectl, self.access, target, log, detached=self.detached)
        self.running[target.part] = forward
        return forward

    def revive(self) -> list[str]:
        """Start every forward that ended again, on its local port; the parts revived (a
        failed revival is tried again on the next call)."""
        revived = []
        for name, forward in list(self.running.items()):
            if forward.process.poll() is None:
                continue
            try:
                self.running[name] = start_forward(
                    self.kubectl,
                    self.access,
                    forward.target,
                    forward.log,
                    local_port=forward.local_port,
                    detached=self.detached,
                )
            except InfrastructureError:
                continue
            self.restarts += 1
            revived.append(name)
        return revived

    def stop(self) -> None:
        """Stop every forward (idempotent)."""
        for forward in self.running.values():
            stop_process(forward.process, STOP_GRACE_S)
        self.running.clear()


def stop_forward_parts(parts: list[PartState]) -> list[int]:
    """Stop the forwards a state file records (only a pid whose start time matches; one this
    process started detached is reaped by its waiter)."""
    records = [p.process for p in parts if p.kind == FORWARD_KIND and p.process is not None]
    return stop_recorded(records, STOP_GRACE_S)

"""Reaching a stack on a cluster: from this machine its Services port-forwarded to loopback,
from a pod (in_cluster.py) by cluster DNS with no port-forward.

`reach_mode` is the platform's declared capability that picks one: `port-forward` unless
slogate runs in the cluster (`cluster-dns`). `reach_by_cluster_dns` waits for the same two
answers as `reach_stack`, at `http://SERVICE.NAMESPACE.svc:PORT`, and starts nothing itself
(its caller starts the Prometheus beside the load generator once Prometheus' URL is known).

`reach_stack` starts a forward to the target's Service (the URL the load uses, where the local
platform has its edge), to Prometheus (the URL the SLO checks ask) and to Redis (the seed
command writes through it), then waits for Prometheus' `/-/ready` and the target's readiness
path through their forwards. It reports each as a part (started, ready) and stops what it
started when anything fails or is interrupted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from slogate.config import SlogateConfig
from slogate.host.ports import HOST
from slogate.platform.base import OnEvent, StackEvent
from slogate.platform.kubernetes.cluster import Api, ClusterAccess
from slogate.platform.kubernetes.in_cluster import in_cluster, service_url
from slogate.platform.kubernetes.manifests import find_kubectl
from slogate.platform.kubernetes.port_forward import (
    Forward,
    Forwards,
    ForwardTarget,
    wait_until_ready,
)
from slogate.platform.state import PartState, StackState

TARGET = "forward-target"
PROMETHEUS = "forward-prometheus"
REDIS = "forward-redis"
CLUSTER_SERVICE = "cluster-service"  # a part reached by cluster DNS (no process behind it)
ReachMode = Literal["port-forward", "cluster-dns"]


def reach_mode(config: SlogateConfig) -> ReachMode:
    """How the Services are reached: by cluster DNS from a pod, else through port-forwards."""
    return "cluster-dns" if in_cluster(config) else "port-forward"


def forward_targets(config: SlogateConfig) -> list[ForwardTarget]:
    """Prometheus first (its first scrape is the slowest to come), then Redis, the target."""
    settings = config.kubernetes
    named = (
        (PROMETHEUS, settings.prometheus_service),
        (REDIS, settings.redis_service),
        (TARGET, settings.target_service),
    )
    return [ForwardTarget(part, *service.split(":", 1)) for part, service in named]


@dataclass
class Reached:
    """The running forwards and the URLs they give."""

    forwards: Forwards

    def url(self, part: str) -> str:
        return self.forwards.running[part].url

    def parts(self) -> list[Forward]:
        return list(self.forwards.running.values())


def reach_stack(
    config: SlogateConfig,
    access: ClusterAccess,
    logs: Path,
    detached: bool,
    on_event: OnEvent,
    on_started: Callable[[Forward], None] | None = None,
) -> Reached:
    """Forward every Service and wait until Prometheus and the target answer through them
    (InfrastructureError naming the part otherwise; nothing left running)."""
    began = time.monotonic()
    forwards = Forwards(find_kubectl(config), access, logs, detached)
    timeout = config.kubernetes.rollout_timeout_s
    try:
        for target in forward_targets(config):
            forward = forwards.start(target)
            if on_started is not None:
                on_started(forward)
            on_event(_event(target.part, "started", began, forward.local_port))
        reached = Reached(forwards)
        wait_until_ready(reached.url(PROMETHEUS), "/-/ready", timeout, "Prometheus")
        on_event(_event(PROMETHEUS, "ready", began, forwards.running[PROMETHEUS].local_port))
        readiness = config.service.readiness_path
        wait_until_ready(reached.url(TARGET), readiness, timeout, "the target's Service")
        on_event(_event(TARGET, "ready", began, forwards.running[TARGET].local_port))
    except BaseException:
        forwards.stop()
        raise
    return reached


def reach_by_cluster_dns(
    config: SlogateConfig,
    api: Api,
    namespace: str,
    on_event: OnEvent,
    on_prometheus: Callable[[str], None] | None = None,
) -> list[PartState]:
    """The Services at their cluster DNS names, once Prometheus and the target answer there
    (InfrastructureError naming the part otherwise); parts named as the forwards are.
    `on_prometheus(url)` is called with Prometheus' URL before the waits."""
    began = time.monotonic()
    settings = config.kubernetes
    named = (
        (PROMETHEUS, settings.prometheus_service, "http"),
        (REDIS, settings.redis_service, "redis"),
        (TARGET, settings.target_service, "http"),
    )
    parts = [
        PartState(
            name=part,
            kind=CLUSTER_SERVICE,
            url=service_url(api, namespace, service).replace("http", scheme, 1),
            extra={"service": service},
        )
        for part, service, scheme in named
    ]
    urls = {part.name: str(part.url) for part in parts}
    if on_prometheus is not None:
        on_prometheus(urls[PROMETHEUS])
    timeout, via = settings.rollout_timeout_s, "by cluster DNS"
    wait_until_ready(urls[PROMETHEUS], "/-/ready", timeout, "Prometheus", via)
    on_event(StackEvent(part=PROMETHEUS, phase="ready", t=time.monotonic() - began))
    readiness = config.service.readiness_path
    wait_until_ready(urls[TARGET], readiness, timeout, "the target's Service", via)
    on_event(StackEvent(part=TARGET, phase="ready", t=time.monotonic() - began))
    return parts


def redis_url(state: StackState) -> str:
    """Redis through its port-forward, or by cluster DNS (the in-cluster Redis has no
    password)."""
    part = state.part(REDIS)
    if part.kind == CLUSTER_SERVICE:
        return f"{part.url}/0"
    return f"redis://{HOST}:{part.port}/0"


def _event(part: str, phase: Literal["started", "ready"], began: float, port: int) -> StackEvent:
    return StackEvent(part=part, phase=phase, t=time.monotonic() - began, port=port)

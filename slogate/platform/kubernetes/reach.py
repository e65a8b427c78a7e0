"""Reaching a stack on a cluster from this machine: its Services port-forwarded to loopback.

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
from slogate.platform.kubernetes.cluster import ClusterAccess
from slogate.platform.kubernetes.manifests import find_kubectl
from slogate.platform.kubernetes.port_forward import (
    Forward,
    Forwards,
    ForwardTarget,
    wait_until_ready,
)
from slogate.platform.state import StackState

TARGET = "forward-target"
PROMETHEUS = "forward-prometheus"
REDIS = "forward-redis"


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


def redis_url(state: StackState) -> str:
    """Redis through its port-forward (the in-cluster Redis has no password)."""
    return f"redis://{HOST}:{state.part(REDIS).port}/0"


def _event(part: str, phase: Literal["started", "ready"], began: float, port: int) -> StackEvent:
    return StackEvent(part=part, phase=phase, t=time.monotonic() - began, port=port)

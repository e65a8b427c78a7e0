"""Backends: how an activity reaches the platform the stack runs on.

    local.py        the local platform: the supervisor's control API (deletes, process
                    faults with a TTL it enforces) and the target's /admin/faults hooks on
                    each replica (TTL at the replica)
    kubernetes.py   (comes with the Kubernetes work) the same operations mapped to
                    chaosk8s.pod.actions.terminate_pods (graceful: grace_period=-1;
                    kill: grace_period=0), Chaos Mesh through
                    chaosk8s.chaosmesh.network.actions.add_latency with
                    delete_network_fault as its rollback (Rollback via "kubernetes"), the
                    target's fault hooks through a port-forward, and readiness from the
                    Deployment's available replicas

A backend records every fault in the stack's ledger: `intent` before it applies it,
`applied` (with the injector's id) after, `failed` when applying it went wrong. The activity
modules (actions.py, probes.py) only pick the backend; rollback.py removes faults from the
ledger's Rollback descriptors alone, so it needs no backend.
"""

from __future__ import annotations

from typing import Any

from chaoslib.exceptions import ActivityFailed

from slogate.chaos.backends.local import LocalBackend
from slogate.chaos.target import ChaosTarget

__all__ = ["LocalBackend", "backend_for"]


def backend_for(configuration: dict[str, Any] | None) -> LocalBackend:
    """The backend of the stack named in the configuration."""
    target = ChaosTarget.of(configuration)
    state = target.state()
    if state.platform != "local":
        raise ActivityFailed(
            f"stack {target.stack!r} runs on platform {state.platform!r}; slogate's chaos "
            "activities support the local platform only so far"
        )
    return LocalBackend(state, target.ledger(), target.run_id)

"""Chaos Toolkit actions: break the stack on purpose, always with a way back.

Every fault carries a TTL at its injector (the replica's fault hook, or the supervisor, which
also ends Toxiproxy's toxics and partitions with `faults: toxiproxy`), is
written to the fault ledger before it is applied, and is removed by the rollbacks below, by
`slogate chaos` whatever Chaos Toolkit did, or by the next run's sweep. Rollbacks are
idempotent: Chaos Toolkit runs them even when the method never ran.

In an experiment:

    provider:
      type: python
      module: slogate.chaos.actions
      func: inject_latency
      arguments: {fixed_ms: 300, ttl_s: 30}
"""

from __future__ import annotations

from typing import Any

from chaoslib.exceptions import ActivityFailed
from chaoslib.types import Configuration, Secrets

from slogate.chaos.backends import backend_for
from slogate.chaos.rollback import roll_back_faults
from slogate.chaos.target import ChaosTarget

__all__ = [
    "clear_dependency_faults",
    "clear_faults",
    "disturb_network",
    "hang_dependency",
    "inject_errors",
    "inject_latency",
    "kill_dependency",
    "partition_replicas",
    "rolling_restart",
    "terminate_replicas",
]

DEPENDENCIES = {"redis": "redis"}


def terminate_replicas(
    count: int | None = None,
    percentage: float | None = None,
    graceful: bool = True,
    down_s: float = 5.0,
    rand: bool = False,
    configuration: Configuration = None,
    secrets: Secrets = None,
) -> list[str]:
    """Terminate `count` replicas (or `percentage` of them, rounded up).

    graceful: delete the Kubernetes way (drain at the edge, SIGTERM, SIGKILL after the grace
    period; the supervisor starts a replacement). Otherwise SIGKILL, and the replica stays
    down for `down_s` seconds (its TTL at the supervisor) before it is restarted.
    Returns the names of the terminated replicas.
    """
    backend = backend_for(configuration)
    names = backend.pick_replicas(count, percentage, rand)
    for name in names:
        if graceful:
            backend.delete_replica(name)
        else:
            backend.process_fault(name, "kill", down_s, kind="replica_kill")
    return names


def partition_replicas(
    count: int = 1,
    ttl_s: float = 10.0,
    configuration: Configuration = None,
    secrets: Secrets = None,
) -> list[str]:
    """Cut `count` replicas off from the edge for `ttl_s` s (a network partition: the replica
    runs and stays ready, but connections to it are refused).

    Needs the local platform's fault proxy (slogate.yaml `faults: toxiproxy`): the replica's
    Toxiproxy proxy is disabled until the TTL, which the supervisor enforces. The edge's health
    checks go to the replica directly, so the edge keeps it UP and routes around it by
    retrying each refused connection on another replica (`edge.retries: ingress`; with `none`
    the clients see the refusals). Returns the partitioned replicas.
    """
    backend = backend_for(configuration)
    names = backend.pick_replicas(count, None, False)
    for name in names:
        backend.process_fault(name, "partition", ttl_s, kind="replica_partition")
    return names


def inject_latency(
    fixed_ms: float | None = None,
    mean_ms: float | None = None,
    stddev_ms: float = 0.0,
    ttl_s: float = 30.0,
    routes: str = "/api/",
    ratio: float = 1.0,
    configuration: Configuration = None,
    secrets: Secrets = None,
) -> list[str]:
    """Delay a share `ratio` (all by default) of matching requests on every replica (fixed,
    or normal with mean and stddev). With `faults: toxiproxy`, a latency toxic on each
    replica's proxy instead (platform/local/toxics.py: all routes, `ratio` of connections)."""
    if (fixed_ms is None) == (mean_ms is None):
        raise ActivityFailed("inject_latency: give exactly one of fixed_ms or mean_ms")
    if not 0 < ratio <= 1:
        raise ActivityFailed(f"inject_latency: ratio must be in (0, 1], got {ratio}")
    spec: dict[str, Any] = {"kind": "latency", "routes": routes, "ratio": ratio}
    if fixed_ms is not None:
        spec["fixed_ms"] = fixed_ms
    else:
        spec.update(mean_ms=mean_ms, stddev_ms=stddev_ms)
    return backend_for(configuration).target_fault_everywhere(spec, ttl_s)


def inject_errors(
    ratio: float,
    status: int = 503,
    ttl_s: float = 30.0,
    routes: str = "/api/",
    configuration: Configuration = None,
    secrets: Secrets = None,
) -> list[str]:
    """Answer a share `ratio` of matching requests with `status` on every replica. With
    `faults: toxiproxy`, connection resets instead (platform/local/toxics.py), which the edge
    may retry on another replica: clients then see fewer errors than `ratio`."""
    if not 0 < ratio <= 1:
        raise ActivityFailed(f"inject_errors: ratio must be in (0, 1], got {ratio}")
    spec = {"kind": "errors", "ratio": ratio, "status": status, "routes": routes}
    return backend_for(configuration).target_fault_everywhere(spec, ttl_s)


def disturb_network(
    action: str = "delay",
    latency_ms: float | None = None,
    jitter_ms: float = 0.0,
    loss_percent: float | None = None,
    direction: str = "to",
    peer: str | None = None,
    ttl_s: float = 30.0,
    configuration: Configuration = None,
    secrets: Secrets = None,
) -> str:
    """A network fault on every replica for `ttl_s` s, as a Chaos Mesh NetworkChaos (Kubernetes
    with Chaos Mesh installed; refused before the run starts otherwise): `delay` by
    `latency_ms` (± `jitter_ms`), `loss` of `loss_percent` % of packets, or `partition`
    (nothing gets through). `peer` (a dependency, e.g. redis) limits it to the traffic between
    the replicas and that dependency's pods; a partition needs one. Chaos Mesh ends it at
    `ttl_s` (its `duration`) even if slogate dies. Returns its ledger id."""
    spec: dict[str, Any] = {"action": action, "direction": direction}
    if action == "delay":
        if latency_ms is None or latency_ms <= 0:
            raise ActivityFailed("disturb_network: action delay needs latency_ms > 0")
        if jitter_ms < 0:
            raise ActivityFailed(f"disturb_network: jitter_ms must be >= 0, got {jitter_ms}")
        spec["delay"] = {"latency": _milliseconds(latency_ms), "jitter": _milliseconds(jitter_ms)}
    elif action == "loss":
        if loss_percent is None or not 0 < loss_percent <= 100:
            raise ActivityFailed("disturb_network: action loss needs loss_percent in (0, 100]")
        spec["loss"] = {"loss": format(loss_percent, "f").rstrip("0").rstrip(".")}
    elif action != "partition":
        raise ActivityFailed(
            f"disturb_network: action must be delay, loss or partition, got {action!r}"
        )
    if direction not in ("to", "from", "both"):
        raise ActivityFailed(
            f"disturb_network: direction must be to, from or both, not {direction!r}"
        )
    if peer is not None:
        spec["peer"] = _dependency(peer)
    elif action == "partition":
        raise ActivityFailed("disturb_network: a partition needs a peer (e.g. peer: redis)")
    return backend_for(configuration).disturb_network(spec, ttl_s, kind=f"network_{action}")


def _milliseconds(value: float) -> str:
    """A Go duration in ms, written out in full (300 -> 300ms, 2.5 -> 2.5ms; never 1e+06)."""
    return format(value, "f").rstrip("0").rstrip(".") + "ms"


def clear_faults(configuration: Configuration = None, secrets: Secrets = None) -> int:
    """Roll back every open fault of this run (idempotent; also before any was injected).

    Returns how many faults were closed. Raises when one could not be removed.
    """
    target = ChaosTarget.of(configuration)
    report = roll_back_faults(target.ledger(), target.stack, run_id=target.run_id)
    if report.errors:
        raise ActivityFailed("rollback incomplete: " + "; ".join(report.errors))
    return len(report.closed)


def _dependency(name: str) -> str:
    try:
        return DEPENDENCIES[name]
    except KeyError:
        known = ", ".join(DEPENDENCIES)
        raise ActivityFailed(f"unknown dependency {name!r}; known: {known}") from None


def hang_dependency(
    name: str = "redis",
    ttl_s: float = 10.0,
    configuration: Configuration = None,
    secrets: Secrets = None,
) -> str:
    """Freeze the dependency (connections open, nothing answered) for `ttl_s` s: SIGSTOP
    locally, a Chaos Mesh partition between the replicas and its pods on Kubernetes."""
    part = _dependency(name)
    return backend_for(configuration).process_fault(part, "stop", ttl_s, kind="dependency_hang")


def kill_dependency(
    name: str = "redis",
    ttl_s: float = 10.0,
    configuration: Configuration = None,
    secrets: Secrets = None,
) -> str:
    """Kill the dependency (connections refused) and keep it down for `ttl_s` s.

    Redis is told to SAVE first, so it comes back with its data (the local Redis runs without
    automatic persistence; a production one would not lose its data set either).
    """
    part = _dependency(name)
    backend = backend_for(configuration)
    if part == "redis":
        backend.persist_dependency()
    return backend.process_fault(part, "kill", ttl_s, kind="dependency_kill")


def clear_dependency_faults(configuration: Configuration = None, secrets: Secrets = None) -> int:
    """End this run's dependency faults now (the rest stay); idempotent."""
    target = ChaosTarget.of(configuration)
    report = roll_back_faults(
        target.ledger(),
        target.stack,
        run_id=target.run_id,
        kinds={"dependency_hang", "dependency_kill"},
    )
    if report.errors:
        raise ActivityFailed("rollback incomplete: " + "; ".join(report.errors))
    return len(report.closed)


def rolling_restart(
    ready_timeout_s: float = 60.0,
    configuration: Configuration = None,
    secrets: Secrets = None,
) -> list[dict[str, Any]]:
    """Restart every replica, none taken away before its replacement is ready.

    Locally each replica is deleted and replaced in turn; on Kubernetes the Deployment is
    restarted as `kubectl rollout restart` does and its rollout awaited. Returns what was
    restarted and how long it took to be ready again.
    """
    return backend_for(configuration).rolling_restart(ready_timeout_s)

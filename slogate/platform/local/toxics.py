"""slogate's latency and error faults as Toxiproxy toxics (`faults: toxiproxy`).

    latency  a `latency` toxic on the responses (downstream): `latency` = fixed_ms or mean_ms,
             `jitter` = stddev_ms (Toxiproxy draws it uniformly within ±jitter, not normally)
    errors   a `reset_peer` toxic on the requests (upstream, timeout 0): the connection is
             reset (TCP RST) before the replica answers. A 5xx status cannot be produced at
             this layer; the edge sees a reset, which it may retry on another replica
             (`edge.retries: ingress`: idempotent requests, counted in edge_absorbed), so the
             clients see fewer errors than the ratio

Toxiproxy works on TCP connections, not requests: `ratio` becomes the toxic's `toxicity`, the
share of *connections* it hits (the edge keeps connections to the replicas open and reuses
them), and `routes` cannot be honoured: every request the edge sends through the proxy is hit
(health checks and Prometheus' scrapes go to the replica directly, so they never are).
"""

from __future__ import annotations

from typing import Any

from chaoslib.exceptions import ActivityFailed

DEFAULT_ROUTES = "/api/"


def toxic_for(spec: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The toxic for a fault spec of inject_latency / inject_errors, and notes for the
    experiment's output on what differs from the service's own fault hooks."""
    kind = spec.get("kind")
    ratio = float(spec.get("ratio", 1.0))
    notes = []
    if spec.get("routes", DEFAULT_ROUTES) != DEFAULT_ROUTES:
        notes.append(
            f"routes {spec['routes']!r} ignored: a Toxiproxy toxic hits every request the edge "
            "sends to the replica"
        )
    if ratio < 1:
        notes.append(
            f"ratio {ratio:g} is the share of TCP connections hit (Toxiproxy's toxicity), "
            "not of requests"
        )
    if kind == "latency":
        latency = spec.get("fixed_ms", spec.get("mean_ms"))
        jitter = 0.0 if "fixed_ms" in spec else float(spec.get("stddev_ms", 0.0))
        attributes = {"latency": round(float(latency or 0)), "jitter": round(jitter)}
        toxic = {"type": "latency", "stream": "downstream", "toxicity": ratio}
        return {**toxic, "attributes": attributes}, notes
    if kind == "errors":
        notes.append(
            f"errors are connection resets, not HTTP {spec.get('status', 503)}: the edge may "
            "retry them on another replica (edge.retries: ingress), so clients see fewer"
        )
        toxic = {"type": "reset_peer", "stream": "upstream", "toxicity": ratio}
        return {**toxic, "attributes": {"timeout": 0}}, notes
    raise ActivityFailed(
        f"a {kind!r} fault needs the service's own fault hooks; this stack injects faults "
        "with Toxiproxy (slogate.yaml `faults: toxiproxy`), which offers latency and errors"
    )

"""Waiting for Deployments to roll out (what `kubectl rollout status` checks), with progress.

A Deployment has rolled out when its controller has seen its latest spec
(`observedGeneration`), every replica runs the latest template (`updatedReplicas`), no old
replica is left (`replicas`) and every one is available (`availableReplicas`). A Deployment
whose `Progressing` condition says `ProgressDeadlineExceeded` will not get there.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from kubernetes.client.exceptions import ApiException

from slogate.errors import InfrastructureError
from slogate.platform.kubernetes.cluster import TRANSPORT_ERRORS, Api, failure
from slogate.platform.kubernetes.record import ObjectRef

POLL_S = 0.25


def rollout_state(deployment: dict[str, Any]) -> tuple[bool, str]:
    """(rolled out, how far it got) for a Deployment as the API returns it."""
    spec, status = deployment.get("spec", {}), deployment.get("status", {})
    wanted = int(spec.get("replicas", 1))
    updated = int(status.get("updatedReplicas", 0))
    available = int(status.get("availableReplicas", 0))
    total = int(status.get("replicas", 0))
    seen = status.get("observedGeneration", 0) >= deployment["metadata"].get("generation", 0)
    done = seen and updated == wanted and total == wanted and available == wanted
    return done, f"{available}/{wanted} available, {updated} updated, {total} in total"


def _stalled(deployment: dict[str, Any]) -> str | None:
    for condition in deployment.get("status", {}).get("conditions", []):
        if condition.get("type") == "Progressing" and condition.get("status") == "False":
            return str(condition.get("message") or condition.get("reason"))
    return None


def wait_for_rollouts(
    api: Api,
    deployments: list[ObjectRef],
    timeout_s: float,
    on_ready: Callable[[ObjectRef], None],
    should_stop: Callable[[], bool] = lambda: False,
) -> None:
    """Return once every Deployment has rolled out; InfrastructureError naming the ones that
    did not (and how far they got) after `timeout_s`, or at once when one stalled."""
    deadline = time.monotonic() + timeout_s
    waiting = list(deployments)
    progress: dict[str, str] = {}
    while waiting:
        for ref in list(waiting):
            try:
                deployment = api.call("GET", ref.path)
            except (ApiException, *TRANSPORT_ERRORS) as error:
                raise failure(error, f"reading {ref}") from None
            done, progress[ref.name] = rollout_state(deployment)
            stalled = _stalled(deployment)
            if stalled is not None:
                raise InfrastructureError(f"{ref} will not roll out: {stalled}{_fix(ref)}")
            if done:
                waiting.remove(ref)
                on_ready(ref)
        if not waiting or should_stop():
            return
        if time.monotonic() > deadline:
            late = "; ".join(f"{ref} ({progress[ref.name]})" for ref in waiting)
            raise InfrastructureError(
                f"rollout not complete after {timeout_s:g} s: {late}{_fix(waiting[0])}"
            )
        time.sleep(POLL_S)


def _fix(ref: ObjectRef) -> str:
    return (
        f"; see `kubectl describe deployment {ref.name} --namespace {ref.namespace}` and its "
        "pods' events, or raise kubernetes.rollout_timeout_s"
    )

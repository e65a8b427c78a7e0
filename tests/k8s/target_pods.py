"""The target's pods on the test control plane: who they are and when they have settled."""

from __future__ import annotations

from typing import Any

from tests.k8s.applied import NAMESPACE
from tests.k8s.controlplane.kubectl import Kubectl
from tests.support.waiting import wait_until

TARGET = "app.kubernetes.io/name=target-service"
REPLICAS = 3
SETTLE_TIMEOUT_S = 60


def is_ready(pod: dict[str, Any]) -> bool:
    if pod["metadata"].get("deletionTimestamp"):
        return False
    conditions = pod.get("status", {}).get("conditions", [])
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


def target_pods(kubectl: Kubectl) -> list[dict[str, Any]]:
    """Every pod of the target, terminating ones included."""
    items = kubectl.get("pods", "--namespace", NAMESPACE, "--selector", TARGET)["items"]
    assert isinstance(items, list)
    return items


def ready_target_pods(kubectl: Kubectl) -> list[dict[str, Any]]:
    return [pod for pod in target_pods(kubectl) if is_ready(pod)]


def settled(kubectl: Kubectl) -> list[dict[str, Any]]:
    """Wait until the target has exactly its 3 pods, all Ready, its rollout complete and its
    PodDisruptionBudget caught up (one disruption allowed); return the pods."""

    def check() -> list[dict[str, Any]] | None:
        pods = target_pods(kubectl)
        deployment = kubectl.get("deployment", "target-service", "--namespace", NAMESPACE)
        budget = kubectl.get("pdb", "target-service", "--namespace", NAMESPACE)
        status = deployment.get("status", {})
        complete = (
            status.get("observedGeneration") == deployment["metadata"]["generation"]
            and status.get("updatedReplicas") == REPLICAS
            and status.get("availableReplicas") == REPLICAS
            and status.get("replicas") == REPLICAS
        )
        caught_up = budget.get("status", {}).get("disruptionsAllowed") == 1 and budget[
            "status"
        ].get("currentHealthy") == len(pods)
        if complete and caught_up and len(pods) == REPLICAS and all(map(is_ready, pods)):
            return pods
        return None

    return wait_until(check, SETTLE_TIMEOUT_S, interval=0.2, what="the target to settle")

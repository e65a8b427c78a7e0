"""The target's Deployment on a real control plane: spread, rolling restart, self-healing.

kwok marks a bound pod Running and Ready at once, so these tests show what the API server,
the scheduler and the controllers do with the manifests, not how the service starts."""

from __future__ import annotations

from typing import Any

import pytest

from tests.k8s.applied import NAMESPACE, Applied
from tests.k8s.controlplane.cluster import ZONES, ControlPlane
from tests.k8s.controlplane.kubectl import Kubectl
from tests.k8s.controlplane.watch import list_resource_version, watch_until
from tests.k8s.target_pods import REPLICAS, ready_target_pods, settled, target_pods
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("control-plane")]

ROLLOUT_TIMEOUT_S = 90
DEPLOYMENTS = f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments"


def zone_of(kubectl: Kubectl, node: str) -> str:
    return str(kubectl.get("node", node)["metadata"]["labels"]["topology.kubernetes.io/zone"])


def test_target_rolls_out_to_three_ready_pods_one_per_zone(
    deployed: Applied, kubectl: Kubectl
) -> None:
    pods = settled(kubectl)
    nodes = [pod["spec"]["nodeName"] for pod in pods]
    assert len(set(nodes)) == REPLICAS, f"pods share nodes: {nodes}"
    assert sorted(zone_of(kubectl, node) for node in nodes) == sorted(ZONES)


def test_rollout_restart_keeps_three_available_throughout(
    deployed: Applied, kubectl: Kubectl, control_plane: ControlPlane
) -> None:
    """maxUnavailable 0, maxSurge 1: every status the controller writes during the restart
    has 3 available replicas and at most 4 in all; the restart replaces every pod."""
    before = {pod["metadata"]["name"] for pod in settled(kubectl)}
    params = {"fieldSelector": "metadata.name=target-service"}
    seen: list[dict[str, Any]] = []

    def finished(_kind: str, deployment: dict[str, Any]) -> bool:
        status = deployment.get("status", {})
        seen.append(status)
        assert status.get("availableReplicas", 0) >= REPLICAS, f"dropped below 3: {status}"
        assert status.get("replicas", 0) <= REPLICAS + 1, f"surged beyond 1: {status}"
        return bool(
            deployment["metadata"]["generation"] > generation
            and status.get("observedGeneration") == deployment["metadata"]["generation"]
            and status.get("updatedReplicas") == REPLICAS
            and status.get("replicas") == REPLICAS
            and status.get("availableReplicas") == REPLICAS
        )

    with control_plane.api() as client:
        start = list_resource_version(client, DEPLOYMENTS, params)
        generation = kubectl.get("deployment", "target-service", "--namespace", NAMESPACE)[
            "metadata"
        ]["generation"]
        kubectl.run("rollout", "restart", "deployment/target-service", "--namespace", NAMESPACE)
        watch_until(client, DEPLOYMENTS, params, start, finished, ROLLOUT_TIMEOUT_S)

    assert any(status.get("replicas") == REPLICAS + 1 for status in seen), (
        f"the restart never surged: {seen}"
    )
    after = {pod["metadata"]["name"] for pod in settled(kubectl)}
    assert not before & after, f"pods survived the restart: {before & after}"


def test_deleting_a_target_pod_makes_the_replicaset_replace_it(
    deployed: Applied, kubectl: Kubectl
) -> None:
    pods = settled(kubectl)
    victim = pods[0]["metadata"]
    owner = victim["ownerReferences"][0]
    assert owner["kind"] == "ReplicaSet"
    before = {pod["metadata"]["name"] for pod in pods}
    kubectl.run("delete", "pod", victim["name"], "--namespace", NAMESPACE, "--wait=false")

    def replaced() -> list[dict[str, Any]] | None:
        ready = ready_target_pods(kubectl)
        names = {pod["metadata"]["name"] for pod in ready}
        if victim["name"] in {pod["metadata"]["name"] for pod in target_pods(kubectl)}:
            return None
        if len(ready) == REPLICAS and len(names - before) == 1:
            return ready
        return None

    ready = wait_until(replaced, ROLLOUT_TIMEOUT_S, interval=0.2, what="a replacement pod")
    (replacement,) = [pod for pod in ready if pod["metadata"]["name"] not in before]
    assert replacement["metadata"]["ownerReferences"][0]["uid"] == owner["uid"]
    settled(kubectl)

"""The target's Deployment on a real control plane: spread, rolling restart, self-healing.

kwok marks a bound pod Running and Ready at once, so these tests show what the API server,
the scheduler and the controllers do with the manifests, not how the service starts."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.k8s.applied import NAMESPACE, Applied
from tests.k8s.controlplane.cluster import ZONES, ControlPlane
from tests.k8s.controlplane.kubectl import Kubectl
from tests.k8s.controlplane.watch import listed, watch_until
from tests.k8s.target_pods import REPLICAS, TARGET, ready_target_pods, settled, target_pods
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("control-plane")]

ROLLOUT_TIMEOUT_S = 90
DEPLOYMENTS = f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments"
REPLICA_SETS = f"/apis/apps/v1/namespaces/{NAMESPACE}/replicasets"


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
    has 3 available replicas, every scale it gives the ReplicaSets totals at most 4, and the
    restart replaces every pod.

    The surge is checked where Kubernetes bounds it, on the ReplicaSets' spec.replicas (as its
    own e2e check does): the Deployment's status.replicas adds up ReplicaSet statuses, and a
    ReplicaSet writes its status from the pods it listed before its own create or delete, so
    the sum can read 5 for a moment (an old ReplicaSet scaled to 2 still counting 3)."""
    before = {pod["metadata"]["name"] for pod in settled(kubectl)}
    params = {"fieldSelector": "metadata.name=target-service"}

    def finished(_kind: str, deployment: dict[str, Any]) -> bool:
        status = deployment.get("status", {})
        assert status.get("availableReplicas", 0) >= REPLICAS, f"dropped below 3: {status}"
        return bool(
            deployment["metadata"]["generation"] > generation
            and status.get("observedGeneration") == deployment["metadata"]["generation"]
            and status.get("updatedReplicas") == REPLICAS
            and status.get("replicas") == REPLICAS
            and status.get("availableReplicas") == REPLICAS
        )

    with control_plane.api() as client:
        _, start = listed(client, DEPLOYMENTS, params)
        items, sets_start = listed(client, REPLICA_SETS, {"labelSelector": TARGET})
        sets = {rs["metadata"]["name"]: rs["spec"]["replicas"] for rs in items}
        generation = kubectl.get("deployment", "target-service", "--namespace", NAMESPACE)[
            "metadata"
        ]["generation"]
        kubectl.run("rollout", "restart", "deployment/target-service", "--namespace", NAMESPACE)
        watch_until(client, DEPLOYMENTS, params, start, finished, ROLLOUT_TIMEOUT_S)
        totals = scaled_totals(client, sets, sets_start)

    assert max(totals) == REPLICAS + 1, f"the restart never surged: {totals}"
    after = {pod["metadata"]["name"] for pod in settled(kubectl)}
    assert not before & after, f"pods survived the restart: {before & after}"


def scaled_totals(client: httpx.Client, sets: dict[str, int], start: str) -> list[int]:
    """Every change to the target's ReplicaSets (`sets`: spec.replicas by name) from `start`
    on, replayed until a new ReplicaSet holds all 3 replicas and the old ones none: the total
    spec.replicas after each change, asserted <= 4."""
    old = set(sets)
    totals: list[int] = []

    def rolled(_kind: str, replica_set: dict[str, Any]) -> bool:
        sets[replica_set["metadata"]["name"]] = replica_set["spec"]["replicas"]
        totals.append(sum(sets.values()))
        assert totals[-1] <= REPLICAS + 1, f"scaled beyond a surge of 1: {sets}"
        new = [count for name, count in sets.items() if name not in old]
        return new == [REPLICAS] and totals[-1] == REPLICAS

    watch_until(client, REPLICA_SETS, {"labelSelector": TARGET}, start, rolled, ROLLOUT_TIMEOUT_S)
    return totals


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

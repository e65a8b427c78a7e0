"""The PodDisruptionBudget (minAvailable 2 of 3) through the Eviction API.

The second eviction is sent right after the first returns. kwok readies a replacement pod
within a fraction of a second (measured: 0.17 s from the first eviction to a budget that
allows one disruption again), which a loaded machine can take to send the second request;
so kwok is paused for the two requests, as a kubelet whose new pod takes a while to start.
The budget and the refusal are the API server's and the disruption controller's alone."""

from __future__ import annotations

import pytest

from tests.k8s.applied import NAMESPACE, Applied
from tests.k8s.controlplane.cluster import ControlPlane
from tests.k8s.controlplane.kubectl import Kubectl
from tests.k8s.target_pods import REPLICAS, settled

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("control-plane")]

BUDGET_REFUSAL = "Cannot evict pod as it would violate the pod's disruption budget."


def eviction(name: str) -> dict[str, object]:
    return {
        "apiVersion": "policy/v1",
        "kind": "Eviction",
        "metadata": {"name": name, "namespace": NAMESPACE},
    }


def test_budget_allows_one_disruption_and_refuses_a_second_eviction(
    deployed: Applied, kubectl: Kubectl, control_plane: ControlPlane
) -> None:
    first, second = (pod["metadata"]["name"] for pod in settled(kubectl)[:2])
    status = kubectl.get("pdb", "target-service", "--namespace", NAMESPACE)["status"]
    assert status["currentHealthy"] == REPLICAS
    assert status["desiredHealthy"] == 2
    assert status["expectedPods"] == REPLICAS
    assert status["disruptionsAllowed"] == 1

    pods = f"/api/v1/namespaces/{NAMESPACE}/pods"
    with control_plane.api() as client, control_plane.paused("kwok"):
        allowed = client.post(f"{pods}/{first}/eviction", json=eviction(first))
        refused = client.post(f"{pods}/{second}/eviction", json=eviction(second))

    assert allowed.status_code == 201, allowed.text
    assert refused.status_code == 429, refused.text
    body = refused.json()
    assert body["reason"] == "TooManyRequests"
    assert BUDGET_REFUSAL in body["message"], body
    (cause,) = body["details"]["causes"]
    assert cause["reason"] == "DisruptionBudget"
    # Which one depends on whether the disruption controller has recounted since the first
    # eviction (2 healthy) or not (the API server's own decrement to 0 allowed).
    assert cause["message"] in {
        "The disruption budget target-service needs 2 healthy pods and has 2 currently",
        "The disruption budget target-service does not allow evicting pods currently",
    }, cause

    # The ReplicaSet replaces the evicted pod; the second one was never touched.
    after = {pod["metadata"]["name"] for pod in settled(kubectl)}
    assert first not in after
    assert second in after

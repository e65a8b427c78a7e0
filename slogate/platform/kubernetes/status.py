"""`slogate status` on Kubernetes: one row per Deployment `up` rolled out."""

from __future__ import annotations

from kubernetes.client.exceptions import ApiException

from slogate.chaos.ledger import FaultLedger
from slogate.platform.base import PartRow
from slogate.platform.kubernetes.cluster import TRANSPORT_ERRORS, Api, failure
from slogate.platform.kubernetes.rollout import rollout_state
from slogate.platform.state import StackState


def deployment_rows(
    api: Api, namespace: str, state: StackState, ledger: FaultLedger
) -> list[PartRow]:
    """Per Deployment: ready/wanted replicas, container restarts of its pods, and open faults
    on it; then each port-forward `up` started and the Prometheus on this machine: the local
    port, and whether it still runs."""
    open_faults = ledger.open_faults()
    rows = []
    for part in state.parts_of_kind("deployment"):
        base = f"/apis/apps/v1/namespaces/{namespace}/deployments/{part.name}"
        try:
            deployment = api.call("GET", base)
            selector = deployment["spec"]["selector"].get("matchLabels", {})
            labels = ",".join(f"{key}={value}" for key, value in selector.items())
            pods = api.call(
                "GET", f"/api/v1/namespaces/{namespace}/pods", query={"labelSelector": labels}
            )["items"]
        except (ApiException, *TRANSPORT_ERRORS) as error:
            raise failure(
                error, f"reading Deployment {part.name} in namespace {namespace}"
            ) from None
        done, progress = rollout_state(deployment)
        restarts = sum(
            int(status.get("restartCount", 0))
            for pod in pods
            for status in pod.get("status", {}).get("containerStatuses", [])
        )
        faults = [f.kind for f in open_faults if f.target == part.name]
        wanted = int(deployment["spec"].get("replicas", 1))
        available = int(deployment.get("status", {}).get("availableReplicas", 0))
        rows.append(
            PartRow(
                part=part.name,
                port=None,
                pid=None,
                running=available > 0 or wanted == 0,
                ready=f"{available}/{wanted}" + ("" if done else f" ({progress})"),
                restarts=restarts,
                faults=",".join(faults),
            )
        )
    for part in state.parts_of_kind("port-forward") + state.parts_of_kind("prometheus"):
        running = part.process is not None and part.process.is_running()
        reaches = part.extra.get("service") or f"federates {part.extra.get('federates')}"
        rows.append(
            PartRow(
                part=part.name, port=part.port, pid=part.process.pid if part.process else None,
                running=running, ready=f"-> {reaches}" if running else "ended",
                restarts="-", faults="",
            )
        )  # fmt: skip
    return rows

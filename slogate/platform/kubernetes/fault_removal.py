"""Removing a Kubernetes fault from its ledger Rollback descriptor alone (see
chaos/rollback.py).

    via "kubernetes_scale"   the Deployment in `detail` set back to the replicas it had before
                             the fault (recorded with the intent); a Deployment that no longer
                             exists took the fault with it
    via "kubernetes_pod_proxy"  DELETE of the fault at the pod's /admin/faults through the API
                             server's pod proxy (pod_proxy.py); a pod that is gone took it
    via "chaos_mesh"         DELETE of the NetworkChaos named in `detail` (chaos_mesh.py); one
                             that is gone (its namespace deleted) took the fault with it

The calls are made as the stack's chaos identity when it has one (the right to scale Redis,
to use the pods' proxy and to delete NetworkChaos is all they need), else as the kubeconfig's
user.
"""

from __future__ import annotations

from kubernetes.client.exceptions import ApiException

from slogate.chaos.ledger import Fault, Rollback
from slogate.errors import SlogateError
from slogate.platform.base import FaultNotRemoved
from slogate.platform.kubernetes import chaos_mesh
from slogate.platform.kubernetes.chaos_identity import chaos_api
from slogate.platform.kubernetes.cluster import TRANSPORT_ERRORS, Api, failure
from slogate.platform.kubernetes.pod_proxy import remove_fault
from slogate.platform.kubernetes.record import load_record
from slogate.platform.kubernetes.scale import scale_path, set_replicas
from slogate.platform.stack_secrets import ADMIN_TOKEN, read_secret


def remove_kubernetes_fault(stack: str, fault: Fault) -> str:
    """What was done; FaultNotRemoved when the cluster kept the fault."""
    rollback = fault.rollback
    if rollback is None or rollback.via == "none":
        return "nothing to remove"
    if rollback.via not in ("kubernetes_scale", "kubernetes_pod_proxy", "chaos_mesh"):
        raise FaultNotRemoved(f"rollback via {rollback.via!r} is not a Kubernetes one")
    record = load_record(stack)
    if record is None:
        raise FaultNotRemoved(f"stack {stack!r} has no cluster record (kubernetes.json)")
    api = chaos_api(record)
    try:
        if rollback.via == "kubernetes_pod_proxy":
            return _remove_hook_fault(api, stack, rollback)
        if rollback.via == "chaos_mesh":
            detail = rollback.detail
            return chaos_mesh.delete(api, str(detail["namespace"]), str(detail["name"]))
        return _scale_back(api, rollback)
    except SlogateError as error:
        raise FaultNotRemoved(str(error)) from None
    finally:
        api.close()


def _remove_hook_fault(api: Api, stack: str, rollback: Rollback) -> str:
    detail = rollback.detail
    token = read_secret(stack, ADMIN_TOKEN)
    return remove_fault(
        api, str(detail["namespace"]), str(detail["pod"]), int(detail["port"]),
        rollback.injector_id, token,
    )  # fmt: skip


def _scale_back(api: Api, rollback: Rollback) -> str:
    namespace = str(rollback.detail["namespace"])
    deployment = str(rollback.detail["deployment"])
    replicas = int(rollback.detail["replicas"])
    try:
        if api.get_or_none(scale_path(namespace, deployment)) is None:
            return f"Deployment {deployment} is gone: the fault went with it"
    except (ApiException, *TRANSPORT_ERRORS) as error:
        raise failure(error, f"reading Deployment {deployment}") from None
    set_replicas(api, namespace, deployment, replicas)
    return f"Deployment {deployment} scaled back to {replicas}"

"""Removing a Kubernetes fault from its ledger Rollback descriptor alone (see
chaos/rollback.py).

    via "kubernetes_scale"   the Deployment in `detail` set back to the replicas it had before
                             the fault (recorded with the intent); a Deployment that no longer
                             exists took the fault with it

The call is made as the stack's chaos identity when it has one (the right to scale Redis is
all it needs), else as the kubeconfig's user.
"""

from __future__ import annotations

from kubernetes.client.exceptions import ApiException

from slogate.chaos.ledger import Fault
from slogate.errors import SlogateError
from slogate.platform.base import FaultNotRemoved
from slogate.platform.kubernetes.chaos_identity import chaos_api
from slogate.platform.kubernetes.cluster import TRANSPORT_ERRORS, failure
from slogate.platform.kubernetes.record import load_record
from slogate.platform.kubernetes.scale import scale_path, set_replicas


def remove_kubernetes_fault(stack: str, fault: Fault) -> str:
    """What was done; FaultNotRemoved when the cluster kept the fault."""
    rollback = fault.rollback
    if rollback is None or rollback.via == "none":
        return "nothing to remove"
    if rollback.via != "kubernetes_scale":
        raise FaultNotRemoved(f"rollback via {rollback.via!r} is not a Kubernetes one")
    record = load_record(stack)
    if record is None:
        raise FaultNotRemoved(f"stack {stack!r} has no cluster record (kubernetes.json)")
    namespace = str(rollback.detail["namespace"])
    deployment = str(rollback.detail["deployment"])
    replicas = int(rollback.detail["replicas"])
    api = chaos_api(record)
    try:
        if api.get_or_none(scale_path(namespace, deployment)) is None:
            return f"Deployment {deployment} is gone: the fault went with it"
        set_replicas(api, namespace, deployment, replicas)
    except SlogateError as error:
        raise FaultNotRemoved(str(error)) from None
    except (ApiException, *TRANSPORT_ERRORS) as error:
        raise FaultNotRemoved(str(failure(error, f"reading Deployment {deployment}"))) from None
    finally:
        api.close()
    return f"Deployment {deployment} scaled back to {replicas}"

"""Attaching to the service already deployed (`kubernetes.attach`: a scheduled drill).

`up` then applies nothing and `down` deletes nothing: the stack is the target Deployment as
it is. Before any load or fault, `attached_deployment` reads it and refuses (exit 2, naming the
Deployment and namespace) when it does not exist or has not rolled out: a drill gates a
service at rest, not one mid-rollout. Reading it needs `get` on deployments only, which the
chaos ServiceAccount has (k8s/chaos/role.yaml).
"""

from __future__ import annotations

from kubernetes.client.exceptions import ApiException

from slogate.errors import UsageError
from slogate.platform.kubernetes.cluster import TRANSPORT_ERRORS, Api, failure
from slogate.platform.kubernetes.record import ObjectRef, deployment_ref
from slogate.platform.kubernetes.rollout import rollout_state

__all__ = ["attached_deployment"]


def attached_deployment(api: Api, namespace: str, name: str) -> ObjectRef:
    """The target Deployment, checked present and rolled out (UsageError otherwise)."""
    ref = deployment_ref(namespace, name)
    try:
        deployment = api.get_or_none(ref.path)
    except (ApiException, *TRANSPORT_ERRORS) as error:
        raise failure(error, f"reading {ref}") from None
    if deployment is None:
        raise UsageError(
            f"{ref} does not exist: kubernetes.attach gates the service already deployed; "
            f"deploy it first (kubectl apply -k k8s), or set kubernetes.target_deployment "
            "and kubernetes.namespace to the deployed one"
        )
    done, progress = rollout_state(deployment)
    if not done:
        raise UsageError(
            f"{ref} is not ready ({progress}): a drill gates a service at rest; wait for "
            f"`kubectl rollout status deployment/{name} --namespace {namespace}` and run again"
        )
    return ref

"""A Deployment's replica count through its `scale` subresource (the right RBAC can grant by
name: k8s/chaos/role.yaml allows it on Redis only). A PATCH that times out, loses its
connection or gets a 5xx may have been applied: OutcomeUnknown (platform/fault_recording.py)."""

from __future__ import annotations

from kubernetes.client.exceptions import ApiException

from slogate.errors import OutcomeUnknown
from slogate.platform.kubernetes.cluster import TRANSPORT_ERRORS, Api, failure


def scale_path(namespace: str, deployment: str) -> str:
    return f"/apis/apps/v1/namespaces/{namespace}/deployments/{deployment}/scale"


def set_replicas(api: Api, namespace: str, deployment: str, replicas: int) -> None:
    """Set the Deployment's replicas (a SlogateError naming it and the fix otherwise)."""
    body = {"spec": {"replicas": replicas}}
    what = f"scaling Deployment {deployment} in namespace {namespace} to {replicas}"
    try:
        api.call(
            "PATCH",
            scale_path(namespace, deployment),
            body=body,
            content_type="application/merge-patch+json",
        )
    except ApiException as error:
        refused = failure(
            error,
            what,
            "the chaos ServiceAccount may scale only the Deployment k8s/chaos/role.yaml names",
        )
        if 400 <= (error.status or 0) < 500:  # the server refused it: nothing was applied
            raise refused from None
        raise OutcomeUnknown(str(refused)) from None
    except TRANSPORT_ERRORS as error:
        raise OutcomeUnknown(str(failure(error, what))) from None

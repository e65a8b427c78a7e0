"""The target's fault hooks (`/admin/faults`, target_service/README.md) on Kubernetes: each
pod reached through the API server's pod proxy, as the chaos identity (RBAC `create` and
`delete` on `pods/proxy` in its namespace, k8s/chaos/role.yaml).

    POST   /api/v1/namespaces/NS/pods/POD:PORT/proxy/admin/faults        201 {id, expires_at}
    DELETE /api/v1/namespaces/NS/pods/POD:PORT/proxy/admin/faults/ID     204; 404 no such fault
    DELETE /api/v1/namespaces/NS/pods/POD:PORT/proxy/admin/faults        every fault of the pod
                                                                          (no id was recorded)

The API server authenticates the caller by its `Authorization` header and drops that header
before it proxies the request, so the stack's admin token travels as `X-Admin-Token` (the
target accepts it there as well as a bearer token). The TTL is enforced at the replica, as
locally; a pod that is gone took its faults with it.
"""

from __future__ import annotations

from typing import Any

from kubernetes.client.exceptions import ApiException

from slogate.platform.fault_recording import Applied
from slogate.platform.kubernetes.cluster import TRANSPORT_ERRORS, Api, failure

__all__ = ["ADMIN_TOKEN_HEADER", "container_port", "hook_path", "post_fault", "remove_fault"]

ADMIN_TOKEN_HEADER = "X-Admin-Token"  # noqa: S105 (a header name, not a secret)


def hook_path(namespace: str, pod: str, port: int, fault_id: str | None = None) -> str:
    """The pod proxy's path to the pod's /admin/faults (or one fault of it)."""
    tail = f"/{fault_id}" if fault_id else ""
    return f"/api/v1/namespaces/{namespace}/pods/{pod}:{port}/proxy/admin/faults{tail}"


def container_port(pod: dict[str, Any], port: str) -> int:
    """The number of the pod's container port `port` (a name such as `http`, or a number);
    ValueError when no container of the pod declares it."""
    if port.isdigit():
        return int(port)
    for container in pod.get("spec", {}).get("containers", []):
        for declared in container.get("ports", []):
            if declared.get("name") == port:
                return int(declared["containerPort"])
    raise ValueError(
        f"pod {pod['metadata']['name']} declares no container port named {port!r}; set "
        "kubernetes.target_port in slogate.yaml to its name or number"
    )


def post_fault(
    api: Api, namespace: str, pod: str, port: int, body: dict[str, Any], token: str
) -> Applied:
    """POST a fault to the pod's hooks; the replica's fault id and expiry. A SlogateError
    naming the pod when the API server or the replica refuses it."""
    path = hook_path(namespace, pod, port)
    try:
        answer = api.call("POST", path, body=body, headers={ADMIN_TOKEN_HEADER: token})
    except (ApiException, *TRANSPORT_ERRORS) as error:
        raise failure(
            error,
            f"setting a {body.get('kind')} fault on pod {pod} through the API server's pod proxy",
            "the chaos identity needs `create` on pods/proxy; the target needs "
            "TARGET_ADMIN_ENABLED=true and the stack's admin token (Secret slogate-admin-token)",
        ) from None
    return str(answer["id"]), float(answer["expires_at"])


def remove_fault(
    api: Api, namespace: str, pod: str, port: int, fault_id: str | None, token: str
) -> str:
    """Remove one fault (every fault of the pod without an id); what was done."""
    try:
        if api.get_or_none(f"/api/v1/namespaces/{namespace}/pods/{pod}") is None:
            return f"pod {pod} is gone: its faults went with it"
        api.call("DELETE", hook_path(namespace, pod, port, fault_id), headers={
            ADMIN_TOKEN_HEADER: token
        })  # fmt: skip
    except ApiException as error:
        if error.status == 404 and fault_id:
            return "already gone at the injector"
        raise failure(error, f"removing fault {fault_id or '(all)'} of pod {pod}") from None
    except TRANSPORT_ERRORS as error:
        raise failure(error, f"removing fault {fault_id or '(all)'} of pod {pod}") from None
    return "removed" if fault_id else "removed (all faults of the pod: no id recorded)"

"""Chaos Mesh's `NetworkChaos` (chaos-mesh.org/v1alpha1), where Chaos Mesh is installed: the
object slogate creates for a network fault, the check that the cluster serves the kind, and
its removal.

    network_chaos(...)        the object: `action` delay | loss | partition on every pod the
                              target's labels select in the namespace (`mode: all`), towards
                              `peer`'s pods when given (`target`), `duration` = the fault's TTL,
                              so Chaos Mesh itself ends it even if slogate dies
    require_network_chaos()   a SlogateError naming the CRD when `networkchaos.chaos-mesh.org`
                              is not served (checked through discovery, before any intent)
    create / delete           POST and DELETE; a DELETE of an object that is gone is a success;
                              after a DELETE, its absence awaited (bounded, best effort)
    await_injected(...)       GET (each with a timeout) until Chaos Mesh reports the fault
                              injected (`status.conditions[AllInjected]` "True"); a SlogateError
                              naming the object, the condition seen and the fix otherwise: a
                              stored object is no injected fault (controller down, a selector
                              that matches no pod)

RBAC: k8s/chaos/role.yaml grants the chaos ServiceAccount create, get, list and delete on
`networkchaos` and nothing else of Chaos Mesh's; the admission policy
slogate-chaos-network-faults-on-target-only (k8s/chaos/) admits only objects like these (the
target's pods, `mode: all`, towards Redis' at most, in the namespace).
"""

from __future__ import annotations

import math
import time
from typing import Any

from kubernetes.client.exceptions import ApiException

from slogate.errors import OutcomeUnknown, SlogateError, UsageError
from slogate.platform.kubernetes.cluster import TRANSPORT_ERRORS, Api, failure

GROUP_VERSION = "chaos-mesh.org/v1alpha1"
CRD = "networkchaos.chaos-mesh.org"
PLURAL = "networkchaos"
ACTIONS = ("delay", "loss", "partition")
DIRECTIONS = ("to", "from", "both")
MANAGED_BY = {"app.kubernetes.io/managed-by": "slogate"}
INJECTED_DEADLINE_S = 30.0  # how long Chaos Mesh may take to inject a fault it was given
GONE_DEADLINE_S = 10.0  # how long a deleted object may take to go (Chaos Mesh's finalizer)
POLL_S = 0.25


def collection_path(namespace: str) -> str:
    return f"/apis/{GROUP_VERSION}/namespaces/{namespace}/{PLURAL}"


def served(api: Api) -> bool:
    """Whether the API server serves NetworkChaos (Chaos Mesh's CRD is installed)."""
    try:
        group = api.get_or_none(f"/apis/{GROUP_VERSION}")
    except (ApiException, *TRANSPORT_ERRORS) as error:
        raise failure(error, f"discovering {GROUP_VERSION}") from None
    resources = (group or {}).get("resources", [])
    return any(resource.get("name") == PLURAL for resource in resources)


def require_network_chaos(api: Api, fault: str, alternative: str) -> None:
    """UsageError naming the missing CRD, `fault` (what needed it) and `alternative`."""
    if not served(api):
        raise UsageError(
            f"{fault} needs Chaos Mesh: the cluster ({api.server}) does not serve {CRD} "
            f"(kind NetworkChaos, {GROUP_VERSION}); install Chaos Mesh "
            f"(https://chaos-mesh.org/docs/production-installation-using-helm/), or {alternative}"
        )


def labels_of(selector: str) -> dict[str, str]:
    """`k=v,k2=v2` as a map (Chaos Mesh's `labelSelectors`); ValueError for any other form."""
    labels: dict[str, str] = {}
    for term in filter(None, (part.strip() for part in selector.split(","))):
        key, equals, value = term.partition("=")
        value = value.removeprefix("=")
        if not equals or not key.strip() or not value.strip() or "!" in key:
            raise ValueError(
                f"label selector {selector!r}: Chaos Mesh needs equality terms (key=value) only"
            )
        labels[key.strip()] = value.strip()
    if not labels:
        raise ValueError("an empty label selector would select every pod")
    return labels


def duration(ttl_s: float) -> str:
    """The TTL as a Go duration, never shorter than the TTL: 30 -> 30s, 2.5 -> 2500ms."""
    if float(ttl_s).is_integer():
        return f"{int(ttl_s)}s"
    return f"{math.ceil(ttl_s * 1000)}ms"


def _pods(namespace: str, labels: dict[str, str]) -> dict[str, Any]:
    return {"namespaces": [namespace], "labelSelectors": labels}


def network_chaos(
    name: str,
    namespace: str,
    selector: dict[str, str],
    action: str,
    ttl_s: float,
    parameters: dict[str, Any],
    direction: str = "to",
    peer: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The NetworkChaos object; `parameters` is the action's own block (`delay`: latency,
    jitter; `loss`: loss; partition: none)."""
    spec: dict[str, Any] = {
        "action": action,
        "mode": "all",
        "selector": _pods(namespace, selector),
        "duration": duration(ttl_s),
        "direction": direction,
    }
    if action in parameters:
        spec[action] = parameters[action]
    if peer is not None:
        spec["target"] = {"mode": "all", "selector": _pods(namespace, peer)}
    return {
        "apiVersion": GROUP_VERSION,
        "kind": "NetworkChaos",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(MANAGED_BY)},
        "spec": spec,
    }


def create(api: Api, body: dict[str, Any]) -> None:
    """POST the object; refused by the server: SlogateError (nothing applied); a timeout, a
    lost connection or a 5xx: OutcomeUnknown (it may exist: left open for the rollback)."""
    namespace = str(body["metadata"]["namespace"])
    what = f"creating NetworkChaos {body['metadata']['name']} in namespace {namespace}"
    try:
        api.call("POST", collection_path(namespace), body=body)
    except ApiException as error:
        refused = failure(
            error, what, f"the chaos ServiceAccount needs `create` on {CRD} (k8s/chaos/role.yaml)"
        )
        if 400 <= (error.status or 0) < 500:
            raise refused from None
        raise OutcomeUnknown(str(refused)) from None
    except TRANSPORT_ERRORS as error:
        raise OutcomeUnknown(str(failure(error, what))) from None


def _get(api: Api, namespace: str, name: str) -> dict[str, Any] | None:
    try:
        return api.get_or_none(f"{collection_path(namespace)}/{name}")
    except (ApiException, *TRANSPORT_ERRORS) as error:
        raise failure(error, f"reading NetworkChaos {name} in namespace {namespace}") from None


def injected(chaos: dict[str, Any]) -> str:
    """The status of the object's AllInjected condition ("True", "False", or "absent")."""
    conditions = (chaos.get("status") or {}).get("conditions") or []
    for condition in conditions:
        if condition.get("type") == "AllInjected":
            return str(condition.get("status"))
    return "absent"


def await_injected(api: Api, namespace: str, name: str, deadline_s: float | None = None) -> None:
    """Return once Chaos Mesh reports the fault injected on every selected pod."""
    deadline = time.monotonic() + (INJECTED_DEADLINE_S if deadline_s is None else deadline_s)
    seen = "absent"
    while True:
        chaos = _get(api, namespace, name)
        if chaos is None:
            raise SlogateError(f"NetworkChaos {name} in namespace {namespace} vanished before "
                               "Chaos Mesh injected it")  # fmt: skip
        seen = injected(chaos)
        if seen == "True":
            return
        if time.monotonic() >= deadline:
            raise SlogateError(
                f"NetworkChaos {name} in namespace {namespace} was not injected within "
                f"{INJECTED_DEADLINE_S if deadline_s is None else deadline_s:g} s (condition "
                f"AllInjected: {seen}); nothing was disturbed: is Chaos Mesh's controller "
                "running (kubectl -n chaos-mesh get pods)? does kubernetes.target_selector "
                "(and the peer's labels) match running pods in the namespace?"
            )
        time.sleep(POLL_S)


def delete(api: Api, namespace: str, name: str) -> str:
    """DELETE the object and await its absence (bounded); what was done (an object that is
    gone went with its fault)."""
    try:
        api.call("DELETE", f"{collection_path(namespace)}/{name}")
    except ApiException as error:
        if error.status == 404:
            return f"NetworkChaos {name} is gone: the fault went with it"
        raise failure(error, f"deleting NetworkChaos {name} in namespace {namespace}") from None
    except TRANSPORT_ERRORS as error:
        raise failure(error, f"deleting NetworkChaos {name}") from None
    deadline = time.monotonic() + GONE_DEADLINE_S
    while time.monotonic() < deadline:
        try:
            if _get(api, namespace, name) is None:
                return f"NetworkChaos {name} deleted"
        except SlogateError:
            break  # best effort: the DELETE was accepted
        time.sleep(POLL_S)
    return f"NetworkChaos {name} deleted (Chaos Mesh still finalizing it)"

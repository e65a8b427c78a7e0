"""Before anything is applied: may the kubeconfig's user create, patch and delete every object
of the kustomize root? (SelfSubjectAccessReview.) A refusal is found before the first apply,
so a missing right never leaves a stack half-applied."""

from __future__ import annotations

from kubernetes.client.exceptions import ApiException

from slogate.errors import UsageError
from slogate.platform.kubernetes.cluster import TRANSPORT_ERRORS, Api, ClusterAccess, failure
from slogate.platform.kubernetes.record import ObjectRef

REVIEWS = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
VERBS = ("create", "patch", "delete")


def _allowed(api: Api, ref: ObjectRef, verb: str) -> bool:
    attributes = {"verb": verb, "group": ref.group, "resource": ref.resource, "name": ref.name}
    if ref.namespace is not None:
        attributes["namespace"] = ref.namespace
    body = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": attributes},
    }
    try:
        review = api.call("POST", REVIEWS, body=body)
    except (ApiException, *TRANSPORT_ERRORS) as error:
        raise failure(error, f"asking whether {verb} {ref} is allowed") from None
    return bool(review.get("status", {}).get("allowed"))


def require_rights(api: Api, access: ClusterAccess, objects: list[ObjectRef]) -> None:
    """UsageError listing every object and verb the user may not use (exit 2)."""
    refused = [f"{verb} {ref}" for ref in objects for verb in VERBS if not _allowed(api, ref, verb)]
    if refused:
        shown = "; ".join(refused[:6]) + (
            f"; and {len(refused) - 6} more" if len(refused) > 6 else ""
        )
        raise UsageError(
            f"context {access.context!r} may not {shown}: nothing was applied; grant these "
            "rights (RBAC) to the kubeconfig's user, or use a context that has them"
        )

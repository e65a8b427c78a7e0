"""Server-side apply of the kustomize root's objects, and deleting what `up` created.

Each object's API path comes from discovery (its group-version's resource list). Before an
object is applied, slogate looks it up: one that did not exist is recorded as created (see
record.py) before the apply is sent, so a failure part-way through (an interrupt or a timeout
mid-PATCH, after which the server may have created it), or `down` later, deletes exactly what
this stack created and nothing else (deleting one that never got created finds it gone).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from kubernetes.client.exceptions import ApiException

from slogate.errors import InfrastructureError, UsageError
from slogate.platform.kubernetes.cluster import TRANSPORT_ERRORS, Api, failure
from slogate.platform.kubernetes.manifests import Manifest
from slogate.platform.kubernetes.record import ObjectRef

FIELD_MANAGER = "slogate"
GONE_POLL_S = 0.25


def _group_version_path(api_version: str) -> str:
    return f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"


class Resources:
    """Discovery, one group-version at a time: kind -> (plural, namespaced)."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self._known: dict[str, dict[str, tuple[str, bool]]] = {}

    def _kinds(self, api_version: str) -> dict[str, tuple[str, bool]]:
        if api_version not in self._known:
            try:
                listing = self.api.call("GET", _group_version_path(api_version))
            except ApiException as error:
                if error.status == 404:
                    raise UsageError(
                        f"the cluster does not serve {api_version}; its objects in the kustomize "
                        "root cannot be applied there (a newer Kubernetes, or the CRD, is needed)"
                    ) from None
                raise
            self._known[api_version] = {
                str(r["kind"]): (str(r["name"]), bool(r["namespaced"]))
                for r in listing.get("resources", [])
                if "/" not in str(r["name"])
            }
        return self._known[api_version]

    def ref(self, manifest: Manifest, namespace: str) -> ObjectRef:
        api_version, kind = str(manifest["apiVersion"]), str(manifest["kind"])
        name = str(manifest["metadata"]["name"])
        try:
            plural, namespaced = self._kinds(api_version)[kind]
        except KeyError:
            raise UsageError(f"the cluster serves no kind {kind} in {api_version}") from None
        base = _group_version_path(api_version)
        path = f"{base}/namespaces/{namespace}/{plural}/{name}" if namespaced else (
            f"{base}/{plural}/{name}"
        )  # fmt: skip
        return ObjectRef(
            api_version=api_version,
            kind=kind,
            name=name,
            namespace=namespace if namespaced else None,
            resource=plural,
            path=path,
        )


def _body(manifest: Manifest, ref: ObjectRef) -> Manifest:
    metadata = {key: value for key, value in manifest["metadata"].items() if key != "namespace"}
    if ref.namespace is not None:
        metadata["namespace"] = ref.namespace
    return {**manifest, "metadata": metadata}


def apply_manifests(
    api: Api,
    manifests: list[Manifest],
    namespace: str,
    on_created: Callable[[ObjectRef], None],
    on_applied: Callable[[ObjectRef], None] = lambda _ref: None,
) -> list[ObjectRef]:
    """Apply every object in order; `on_created` is told of each that did not exist before.
    Returns every object applied."""
    resources = Resources(api)
    applied = []
    for manifest in manifests:
        ref = resources_ref(resources, manifest, namespace)
        try:
            existed = api.get_or_none(ref.path) is not None
        except (ApiException, *TRANSPORT_ERRORS) as error:
            raise failure(error, f"looking up {ref}") from None
        if not existed:
            on_created(ref)
        try:
            api.call(
                "PATCH",
                ref.path,
                query={"fieldManager": FIELD_MANAGER, "force": "true"},
                body=_body(manifest, ref),
                content_type="application/apply-patch+yaml",
            )
        except (ApiException, *TRANSPORT_ERRORS) as error:
            raise failure(error, f"applying {ref}") from None
        on_applied(ref)
        applied.append(ref)
    return applied


def resources_ref(resources: Resources, manifest: Manifest, namespace: str) -> ObjectRef:
    try:
        return resources.ref(manifest, namespace)
    except (ApiException, *TRANSPORT_ERRORS) as error:
        raise failure(error, f"looking up {manifest['kind']} in {manifest['apiVersion']}") from None


def delete_objects(api: Api, objects: list[ObjectRef], timeout_s: float) -> list[str]:
    """Delete `objects` newest first and wait until each is gone; what could not be deleted
    (empty when everything is gone)."""
    problems = []
    remaining = []
    for ref in reversed(objects):
        try:
            api.call("DELETE", ref.path, query={"propagationPolicy": "Background"})
        except ApiException as error:
            if error.status != 404:
                problems.append(str(failure(error, f"deleting {ref}")))
            continue
        except TRANSPORT_ERRORS as error:
            problems.append(str(failure(error, f"deleting {ref}")))
            continue
        remaining.append(ref)
    deadline = time.monotonic() + timeout_s
    while remaining:
        remaining = [ref for ref in remaining if _exists(api, ref)]
        if remaining and time.monotonic() > deadline:
            names = ", ".join(map(str, remaining))
            problems.append(f"still there after {timeout_s:g} s: {names}")
            break
        if remaining:
            time.sleep(GONE_POLL_S)
    return problems


def _exists(api: Api, ref: ObjectRef) -> bool:
    try:
        return api.get_or_none(ref.path) is not None
    except (ApiException, *TRANSPORT_ERRORS) as error:
        raise InfrastructureError(str(failure(error, f"checking {ref} is gone"))) from None

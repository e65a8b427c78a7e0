"""What `up` did to the cluster: `.slogate/stacks/NAME/kubernetes.json`.

Written before the first object is applied and again before each one `up` creates, so `down`
(or a failed `up` cleaning after itself, or a `down` after a SIGKILLed `up`) deletes exactly
the objects this stack created: an object that existed before `up` (a namespace someone else
made, a cluster-wide policy another stack applied) is left alone.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from slogate.config import KubernetesConfig
from slogate.host.files import read_model, write_atomically
from slogate.platform.kubernetes.cluster import ClusterAccess
from slogate.platform.state import PartState, ensure_stack_dir, stack_dir

RECORD_FILE = "kubernetes.json"


class ObjectRef(BaseModel):
    """One object of the kustomize root, and its API path."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    api_version: str
    kind: str
    name: str
    namespace: str | None = None
    resource: str = Field(description="the kind's plural, as RBAC names it (pods, roles, ...)")
    path: str = Field(description="the object's path on the API server")

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    def __str__(self) -> str:
        where = f" in namespace {self.namespace}" if self.namespace else ""
        return f"{self.kind} {self.name}{where}"


class ClusterRecord(BaseModel):
    """The stack's cluster and the objects its `up` created (in creation order)."""

    model_config = ConfigDict(extra="forbid")

    access: ClusterAccess
    settings: KubernetesConfig = Field(description="kubernetes: of slogate.yaml at `up`")
    created: list[ObjectRef] = Field(default_factory=list)
    chaos_kubeconfig: str | None = None
    forwards: list[PartState] = Field(
        default_factory=list, description="port-forwards started (stopped by `down`)"
    )
    local_prometheus: PartState | None = Field(
        default=None, description="the Prometheus started on this machine (stopped by `down`)"
    )


def save_record(stack: str, record: ClusterRecord) -> None:
    """Write the record atomically."""
    write_atomically(ensure_stack_dir(stack) / RECORD_FILE, record.model_dump_json(indent=2))


def load_record(stack: str) -> ClusterRecord | None:
    """The stack's record, or None when it has none."""
    path = stack_dir(stack) / RECORD_FILE
    return read_model(path, ClusterRecord, "delete the stack's objects with kubectl")


def has_record(stack: str) -> bool:
    """Whether the stack's folder holds a record (readable or not: `down` reports which)."""
    return (stack_dir(stack) / RECORD_FILE).is_file()


def remove_record(stack: str) -> None:
    (stack_dir(stack) / RECORD_FILE).unlink(missing_ok=True)


def deployment_ref(namespace: str, name: str) -> ObjectRef:
    """The Deployment `name` in `namespace`, as the API addresses it."""
    return ObjectRef(
        api_version="apps/v1",
        kind="Deployment",
        name=name,
        namespace=namespace,
        resource="deployments",
        path=f"/apis/apps/v1/namespaces/{namespace}/deployments/{name}",
    )

"""`platform: kind`: a kind cluster created (or reused), the target's image built and loaded
into it, then everything the Kubernetes platform does (platform.py) against that cluster.

`up`: check for kind and docker (exit 2 naming the fix), record the cluster (kind_cluster.py)
before creating it, `kind create cluster --config k8s/kind/cluster.yaml` unless a cluster of
that name exists (then it is reused), `docker build` + `kind load docker-image`, write the
cluster's kubeconfig into the stack's folder, and bring the Kubernetes stack up there. A
failure or Ctrl-C on the way deletes a cluster that `up` created and nothing else. `down`
brings the Kubernetes stack down, then deletes the cluster only if its `up` created it.
"""

from __future__ import annotations

import time

from slogate.config import SlogateConfig
from slogate.errors import SlogateError, UsageError
from slogate.platform.base import DoctorCheck, OnEvent, StackDown, StackEvent
from slogate.platform.kubernetes.kind_cluster import (
    KindRecord,
    KindTools,
    build_and_load_image,
    cluster_file,
    cluster_name,
    create_cluster,
    delete_cluster,
    existing_clusters,
    find_tools,
    forget_kind,
    load_kind_record,
    save_kind_record,
    write_kubeconfig,
)
from slogate.platform.kubernetes.platform import KubernetesPlatform
from slogate.platform.kubernetes.reach import Reached
from slogate.platform.kubernetes.record import load_record
from slogate.platform.kubernetes.tooling import kubectl_check
from slogate.platform.state import StackState, load_state, save_state, stack_dir

__all__ = ["KindPlatform"]


class KindPlatform(KubernetesPlatform):
    """A kind cluster on this machine, then the Kubernetes platform on it."""

    name = "kind"

    def preflight(self, config: SlogateConfig, stack: str) -> None:
        """What can be checked before a cluster exists: the tools, the cluster file, the
        stack's name (the Kubernetes checks run once the cluster answers)."""
        _require_not_up(stack)
        find_tools(config)
        cluster_name(config)

    def bring_up(
        self, config: SlogateConfig, stack: str, on_event: OnEvent, detached: bool
    ) -> tuple[StackState, Reached | None]:
        _require_not_up(stack)
        tools = find_tools(config)
        name = cluster_name(config)
        cluster_file(config)
        began = time.monotonic()
        created = name not in existing_clusters(tools)
        record = KindRecord(cluster=name, created=created, kind=tools.kind)
        save_kind_record(stack, record)  # before creating: a failed `up` deletes what it began
        try:
            if created:
                on_event(StackEvent(part="kind-cluster", phase="started", t=0.0))
                create_cluster(tools, name, config)
            on_event(StackEvent(part="kind-cluster", phase="ready", t=time.monotonic() - began))
            build_and_load_image(tools, name, config)
            on_event(StackEvent(part="image", phase="ready", t=time.monotonic() - began))
            kubeconfig = write_kubeconfig(tools, name, stack)
            settings = config.kubernetes.model_copy(
                update={"kubeconfig": str(kubeconfig), "context": None}
            )
            on_cluster = config.model_copy(update={"kubernetes": settings})
            state, reached = super().bring_up(on_cluster, stack, on_event, detached)
        except BaseException as error:
            try:
                _remove_cluster(record, stack)
            except SlogateError as cleanup:
                raise cleanup from error
            raise
        state.platform = self.name
        save_state(state)
        return state, reached

    def down(self, stack: str, timeout: float) -> StackDown:
        record = load_kind_record(stack)
        down = super().down(stack, timeout)
        if record is None or down.not_removed:
            return down
        was_up = down.was_up or record is not None
        try:
            note = _remove_cluster(record, stack)
        except SlogateError as error:
            return down.model_copy(update={"was_up": was_up, "not_removed": [str(error)]})
        return down.model_copy(update={"was_up": was_up, "notes": [*down.notes, note]})

    def doctor(self, config: SlogateConfig) -> list[DoctorCheck]:
        """kubectl, then kind and docker (required here; the cluster may not exist yet)."""
        try:
            tools = find_tools(config)
            clusters = existing_clusters(tools)
        except SlogateError as error:
            return [
                kubectl_check(config),
                DoctorCheck(ok=False, status="missing", detail=str(error)),
            ]
        names = ", ".join(clusters) or "none"
        detail = f"kind {tools.kind}, docker {tools.docker}; clusters: {names}"
        return [kubectl_check(config), DoctorCheck(ok=True, status="ok", detail=detail)]


def _require_not_up(stack: str) -> None:
    stack_dir(stack)  # checks the name
    if load_state(stack) is not None or load_record(stack) or load_kind_record(stack):
        raise UsageError(
            f"stack {stack!r} is already up; `slogate down --stack {stack}` first, or pick "
            "another --stack"
        )


def _remove_cluster(record: KindRecord, stack: str) -> str:
    """Delete the cluster if `up` created it, then forget it; what was done."""
    if record.created:
        delete_cluster(KindTools(kind=record.kind, docker=""), record.cluster)
        forget_kind(stack)
        return f"deleted kind cluster {record.cluster!r} (`up` created it)"
    forget_kind(stack)
    return f"kept kind cluster {record.cluster!r} (it existed before `up`)"

"""The Kubernetes platform's chaos backend: chaostoolkit-kubernetes as a library, every fault
in the stack's ledger (intent before apply; see platform/base.py).

    delete a replica         chaosk8s terminate_pods (the pod's grace period); the ReplicaSet
                             replaces it: healed by the platform (`via: none`)
    kill a replica           terminate_pods with grace period 0 (a node failure, an OOM kill)
    rolling restart          rollout_deployment: the target Deployment's restartedAt annotation,
                             then its rollout awaited (restart.py; RBAC `patch` on that
                             Deployment only)
    Redis outage (kill)      the Redis Deployment's scale subresource set to 0, and back by the
                             rollback (`via: kubernetes_scale`, the replicas it had recorded);
                             no injector ends it at its TTL, so a rollback always restores it
    latency, errors, ...     the target's /admin/faults on every Ready pod through the API
                             server's pod proxy (pod_proxy.py; TTL at the replica, as locally;
                             `via: kubernetes_pod_proxy`)
    network delay / loss /   a Chaos Mesh NetworkChaos on the target's pods (chaos_mesh.py),
    partition                its `duration` the TTL, so Chaos Mesh ends it even if slogate dies;
                             `applied` once Chaos Mesh reports it injected (AllInjected), else
                             deleted and `failed`; its expiry the injection + TTL (the fault
                             phase ends there at the latest);
                             the object stays (Chaos Mesh's record) until the rollback,
                             `down` or the next sweep deletes it, even past its TTL
                             (`via: chaos_mesh`, `ttl_at_injector: false`)
    Redis hang (SIGSTOP)     a NetworkChaos partition between the target's pods and Redis' (both
                             directions: connections stall, nothing is answered), as above
    Chaos Mesh absent        refused before any intent, naming the CRD (`cannot_run`, which
                             `slogate chaos` asks before it starts: exit 2)
    hooks when attached      refused the same way: the deployed pods (`kubernetes.attach`)
                             check their own admin token, not the stack's, so a hook fault
                             would be answered 401 mid-load

chaostoolkit-kubernetes' `scale_deployment` patches the whole Deployment (RBAC `patch` on
`deployments`); slogate scales through the `deployments/scale` subresource instead, the only
right k8s/chaos/role.yaml grants on Redis. Calls run as the chaos ServiceAccount (the
kubeconfig `up` wrote) when the stack has one, so its Role and admission policy apply.
"""

from __future__ import annotations

import random
import re
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from chaosk8s.deployment.actions import rollout_deployment
from chaosk8s.pod.actions import terminate_pods
from chaoslib.exceptions import ActivityFailed
from kubernetes.client.exceptions import ApiException

from slogate.chaos.ledger import FaultLedger, Rollback
from slogate.errors import OutcomeUnknown, SlogateError, UsageError
from slogate.platform.base import PartStatus
from slogate.platform.fault_recording import Applied, FaultRecorder, check_ttl
from slogate.platform.kubernetes import chaos_mesh
from slogate.platform.kubernetes.chaos_identity import chaos_api
from slogate.platform.kubernetes.cluster import TRANSPORT_ERRORS, Api, failure
from slogate.platform.kubernetes.deadline import call_with_deadline, kubeconfig_in_environment
from slogate.platform.kubernetes.pod_proxy import container_port, post_fault
from slogate.platform.kubernetes.record import ClusterRecord, deployment_ref
from slogate.platform.kubernetes.restart import restart_and_wait
from slogate.platform.kubernetes.scale import scale_path, set_replicas
from slogate.platform.selection import select_count
from slogate.platform.stack_secrets import ADMIN_TOKEN, read_secret
from slogate.platform.state import PartState, StackState

CALL_TIMEOUT_S = 30.0
T = TypeVar("T")

POD_KILL_HOLD_S = 60.0  # how long a replica kill is "open" in the ledger at most
# what each activity needing Chaos Mesh is, and what to use without it
NEEDS_CHAOS_MESH = {
    "disturb_network": ("a network fault (disturb_network)", "drop the activity"),
    "hang_dependency": (
        "a Redis hang (hang_dependency) on Kubernetes",
        "use kill_dependency (the dependency-outage experiment scales Redis to 0)",
    ),
}

# the activities that set a fault through the target's hooks (the stack's admin token)
NEEDS_FAULT_HOOKS = ("inject_latency", "inject_errors")
WITHOUT_FAULT_HOOKS = (
    "use an experiment without them against the deployed service: pod-kill "
    "(terminate_replicas), or one of rolling_restart, kill_dependency (the second half of "
    "dependency-outage) or a network fault through Chaos Mesh (disturb_network)"
)


def is_ready(pod: dict[str, Any]) -> bool:
    """Ready and not being deleted."""
    if pod["metadata"].get("deletionTimestamp"):
        return False
    conditions = pod.get("status", {}).get("conditions", [])
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


class KubernetesBackend:
    """Faults on one stack's namespace, recorded in its ledger under `run_id`."""

    def __init__(
        self,
        state: StackState,
        record: ClusterRecord,
        ledger: FaultLedger,
        run_id: str,
        experiment: str | None = None,
    ) -> None:
        self._state = state
        self.record = record
        self.settings = record.settings
        self.namespace = record.access.namespace
        self._recorder = FaultRecorder(ledger, run_id, experiment)
        self._api: Api | None = None

    @property
    def state(self) -> StackState:
        return self._state

    # -- the API, as the chaos identity --------------------------------------------------------

    @property
    def kubeconfig(self) -> str:
        return self.record.chaos_kubeconfig or self.record.access.kubeconfig

    @property
    def context(self) -> str | None:
        return None if self.record.chaos_kubeconfig else self.record.access.context

    @property
    def api(self) -> Api:
        if self._api is None:
            try:
                self._api = chaos_api(self.record)
            except SlogateError as error:
                raise ActivityFailed(str(error)) from None
        return self._api

    def _get(self, path: str, query: dict[str, str] | None = None) -> dict[str, Any]:
        try:
            return self.api.call("GET", path, query=query)
        except (ApiException, *TRANSPORT_ERRORS) as error:
            raise ActivityFailed(str(failure(error, f"GET {path}"))) from None

    # -- replicas ------------------------------------------------------------------------------

    def _target_pods(self) -> list[dict[str, Any]]:
        path = f"/api/v1/namespaces/{self.namespace}/pods"
        items: list[dict[str, Any]] = self._get(
            path, {"labelSelector": self.settings.target_selector}
        )["items"]
        return sorted(items, key=lambda pod: str(pod["metadata"]["name"]))

    def replicas(self) -> list[PartState]:
        pods = [p for p in self._target_pods() if not p["metadata"].get("deletionTimestamp")]
        if not pods:
            raise ActivityFailed(
                f"no pods labelled {self.settings.target_selector} in namespace {self.namespace}"
            )
        return [
            PartState(name=str(p["metadata"]["name"]), kind="replica", extra=self._where(p))
            for p in pods
        ]

    def _where(self, pod: dict[str, Any]) -> dict[str, str | int | float]:
        return {"namespace": self.namespace, "node": str(pod.get("spec", {}).get("nodeName"))}

    def pick_replicas(self, count: int | None, percentage: float | None, rand: bool) -> list[str]:
        names = [p.name for p in self.replicas()]
        quantity = select_count(len(names), count, percentage)
        return random.sample(names, quantity) if rand else names[:quantity]

    def _chaosk8s(self, what: str, call: Callable[[dict[str, str]], T]) -> T:
        """`call(secrets)` into chaostoolkit-kubernetes as the chaos identity, bounded in time;
        an API error becomes ActivityFailed naming `what`."""
        secrets = {"KUBERNETES_VERIFY_SSL": "true"}
        if self.context is not None:
            secrets["KUBERNETES_CONTEXT"] = self.context

        def bounded() -> T:
            with kubeconfig_in_environment(self.kubeconfig):
                try:
                    return call(secrets)
                except ApiException as error:
                    raise ActivityFailed(str(failure(error, what))) from None

        return call_with_deadline(bounded, CALL_TIMEOUT_S, what)

    def _terminate(self, name: str, grace_period: int) -> list[str]:
        """Delete pod `name` through chaostoolkit-kubernetes' terminate_pods."""

        def call(secrets: dict[str, str]) -> list[str]:
            deleted: list[str] = terminate_pods(
                label_selector=self.settings.target_selector,
                name_pattern=f"^{re.escape(name)}$",
                qty=1,
                grace_period=grace_period,
                ns=self.namespace,
                secrets=secrets,
            )
            if deleted != [name]:
                raise ActivityFailed(
                    f"pod {name} is not a pod labelled {self.settings.target_selector} in "
                    f"namespace {self.namespace} (terminate_pods deleted {deleted})"
                )
            return deleted

        return self._chaosk8s(f"deleting pod {name}", call)

    def delete_replica(self, name: str, kind: str = "replica_delete") -> str:
        """Delete a pod with its grace period; its ReplicaSet replaces it."""
        rollback = Rollback(via="none", detail={"pod": name, "healed_by": "replicaset"})
        return self._recorder.inject(
            kind, name, POD_KILL_HOLD_S, rollback, lambda: self._deleted(name, grace_period=-1)
        )

    def _deleted(self, name: str, grace_period: int) -> tuple[None, None]:
        self._terminate(name, grace_period)
        return None, None

    def process_fault(self, part: str, action: str, ttl_s: float, kind: str) -> str:
        if part == "redis" and action == "kill":
            return self._scale_to_zero(self.settings.redis_deployment, ttl_s, kind)
        if part == "redis" and action == "stop":
            self._require_chaos_mesh("hang_dependency")
            spec = {"action": "partition", "direction": "both", "peer": part}
            return self.disturb_network(spec, ttl_s, kind)
        if action in ("kill", "term") and part in {r.name for r in self.replicas()}:
            grace = 0 if action == "kill" else -1
            rollback = Rollback(via="none", detail={"pod": part, "healed_by": "replicaset"})
            return self._recorder.inject(
                kind, part, ttl_s, rollback, lambda: self._deleted(part, grace_period=grace)
            )
        raise ActivityFailed(
            f"{action} of {part} is not available on Kubernetes (pod kill, Redis scaled to 0 "
            "and, with Chaos Mesh, a Redis hang are)"
        )

    def _scale_to_zero(self, deployment: str, ttl_s: float, kind: str) -> str:
        path = scale_path(self.namespace, deployment)
        before = int(self._get(path)["spec"].get("replicas", 0))
        if before == 0:  # a rollback to 0 would never bring it back
            raise ActivityFailed(
                f"Deployment {deployment} in namespace {self.namespace} is already scaled to 0; "
                f"scale it back first (an open fault: `slogate down --stack {self.state.stack}`)"
            )
        rollback = Rollback(
            via="kubernetes_scale",
            detail={"namespace": self.namespace, "deployment": deployment, "replicas": before},
            ttl_at_injector=False,
        )

        def apply() -> tuple[None, None]:
            set_replicas(self.api, self.namespace, deployment, 0)
            return None, None

        return self._recorder.inject(kind, deployment, ttl_s, rollback, apply, (SlogateError,))

    def persist_dependency(self) -> None:
        """Nothing to do: the Redis Deployment keeps its data in an emptyDir, so a Redis scaled
        to 0 comes back empty (a PersistentVolumeClaim would keep it)."""

    def target_fault_everywhere(self, spec: dict[str, Any], ttl_s: float) -> list[str]:
        """The fault on every target pod's hooks through the pod proxy (pod_proxy.py); ledger
        ids, one per pod, each with the TTL the pod itself enforces."""
        ttl_s = check_ttl(ttl_s)
        body = {**spec, "ttl_s": ttl_s}
        try:
            token = read_secret(self.state.stack, ADMIN_TOKEN)
        except SlogateError as error:
            raise ActivityFailed(str(error)) from None
        ids = []
        for pod in [p for p in self._target_pods() if is_ready(p)]:
            name = str(pod["metadata"]["name"])
            try:
                port = container_port(pod, self.settings.target_port)
            except ValueError as error:
                raise ActivityFailed(str(error)) from None
            rollback = Rollback(
                via="kubernetes_pod_proxy",
                detail={"namespace": self.namespace, "pod": name, "port": port},
            )

            def apply(name: str = name, port: int = port) -> Applied:
                return post_fault(self.api, self.namespace, name, port, body, token)

            kind = str(spec["kind"])
            ids.append(self._recorder.inject(kind, name, ttl_s, rollback, apply, (SlogateError,)))
        if not ids:
            raise ActivityFailed(
                f"no Ready pod labelled {self.settings.target_selector} in namespace "
                f"{self.namespace} to set the {spec.get('kind')} fault on"
            )
        return ids

    def active_faults(self) -> int:
        """Deployments slogate scaled to 0 that are still at 0."""
        scaled = 0
        for fault in self._recorder.ledger.open_faults():
            if fault.rollback is None or fault.rollback.via != "kubernetes_scale":
                continue
            detail = fault.rollback.detail
            path = scale_path(str(detail["namespace"]), str(detail["deployment"]))
            scaled += int(self._get(path)["spec"].get("replicas", 0)) == 0
        return scaled

    def _pod(self, name: str) -> dict[str, Any] | None:
        try:
            return self.api.get_or_none(f"/api/v1/namespaces/{self.namespace}/pods/{name}")
        except (ApiException, *TRANSPORT_ERRORS) as error:
            raise ActivityFailed(str(failure(error, f"reading pod {name}"))) from None

    def part_status(self, name: str) -> PartStatus:
        pod = self._pod(name)
        if pod is None:
            return PartStatus(name=name, pid=None, running=False)
        statuses = pod.get("status", {}).get("containerStatuses", [])
        return PartStatus(
            name=name,
            pid=None,
            running=pod.get("status", {}).get("phase") == "Running",
            deleting=bool(pod["metadata"].get("deletionTimestamp")),
            restarts=sum(int(s.get("restartCount", 0)) for s in statuses),
        )

    def replica_ready(self, replica: PartState) -> bool:
        pod = self._pod(replica.name)
        return pod is not None and is_ready(pod)

    def rolling_restart(self, ready_timeout_s: float) -> list[dict[str, Any]]:
        """`kubectl rollout restart` of the target's Deployment (restart.py), waiting for the
        rollout; the pods it replaced."""
        name = self.settings.target_deployment
        before = {p.name for p in self.replicas()}

        def patch() -> None:
            self._chaosk8s(
                f"restarting Deployment {name}",
                lambda secrets: rollout_deployment(name=name, ns=self.namespace, secrets=secrets),
            )

        ref = deployment_ref(self.namespace, name)
        seconds = restart_and_wait(self.api, self._recorder, ref, patch, ready_timeout_s)
        replaced = sorted(before - {p.name for p in self.replicas()})
        return [{"deployment": name, "ready_after_s": round(seconds, 3), "replaced": replaced}]

    # -- Chaos Mesh -----------------------------------------------------------------------------

    def cannot_run(self, activity: str) -> str | None:
        """Why `activity` (a slogate.chaos.actions function) cannot run on this cluster."""
        if self.settings.attach and activity in NEEDS_FAULT_HOOKS:
            return (
                f"{activity} sets its fault through the target's fault hooks with this stack's "
                f"admin token, which the deployed pods of Deployment "
                f"{self.settings.target_deployment} in namespace {self.namespace} do not know "
                f"(kubernetes.attach: they would answer 401 mid-load); {WITHOUT_FAULT_HOOKS}"
            )
        if activity not in NEEDS_CHAOS_MESH:
            return None
        fault, alternative = NEEDS_CHAOS_MESH[activity]
        try:
            chaos_mesh.require_network_chaos(self.api, fault, alternative)
        except UsageError as error:  # an API server that does not answer is raised as such
            return str(error)
        return None

    def _require_chaos_mesh(self, activity: str) -> None:
        fault, alternative = NEEDS_CHAOS_MESH[activity]
        try:
            chaos_mesh.require_network_chaos(self.api, fault, alternative)
        except SlogateError as error:
            raise ActivityFailed(str(error)) from None

    def _labels_of_peer(self, part: str) -> dict[str, str]:
        """The pod labels of a dependency (`redis`: its Deployment's selector)."""
        if part != "redis":
            raise ActivityFailed(f"unknown peer {part!r} for a network fault; known: redis")
        name = self.settings.redis_deployment
        deployment = self._get(f"/apis/apps/v1/namespaces/{self.namespace}/deployments/{name}")
        labels = deployment["spec"]["selector"].get("matchLabels") or {}
        if not labels:
            raise ActivityFailed(f"Deployment {name} has no matchLabels for Chaos Mesh to select")
        return {str(k): str(v) for k, v in labels.items()}

    def disturb_network(self, spec: dict[str, Any], ttl_s: float, kind: str = "network") -> str:
        """A NetworkChaos on every target pod (chaos_mesh.py): `spec` has `action`,
        `direction`, the action's block (`delay`, `loss`) and an optional `peer` (a
        dependency: only the traffic with its pods). Its ledger id."""
        ttl_s = check_ttl(ttl_s)
        self._require_chaos_mesh("disturb_network")
        try:
            selector = chaos_mesh.labels_of(self.settings.target_selector)
        except ValueError as error:
            raise ActivityFailed(f"kubernetes.target_selector: {error}") from None
        peer = spec.get("peer")
        peer_labels = None if peer is None else self._labels_of_peer(str(peer))
        name = f"slogate-{kind.replace('_', '-')}-{uuid.uuid4().hex[:8]}"
        body = chaos_mesh.network_chaos(
            name, self.namespace, selector, str(spec["action"]), ttl_s, spec,
            direction=str(spec.get("direction", "to")), peer=peer_labels,
        )  # fmt: skip
        rollback = Rollback(
            via="chaos_mesh",
            injector_id=name,
            detail={"namespace": self.namespace, "name": name, "spec": body["spec"]},
            ttl_at_injector=False,  # Chaos Mesh ends the fault; the object stays until deleted
        )

        def apply() -> Applied:
            chaos_mesh.create(self.api, body)
            try:
                chaos_mesh.await_injected(self.api, self.namespace, name)
            except SlogateError as error:
                try:
                    chaos_mesh.delete(self.api, self.namespace, name)
                except SlogateError as lost:
                    raise OutcomeUnknown(f"{error}; deleting it failed: {lost}") from None
                raise ActivityFailed(f"{error}; the object was deleted") from None
            return name, time.time() + ttl_s  # Chaos Mesh ends the fault then

        target = self.settings.target_deployment if peer is None else f"target<->{peer}"
        return self._recorder.inject(kind, target, ttl_s, rollback, apply, (SlogateError,))

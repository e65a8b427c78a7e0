"""The Kubernetes platform behind the `Platform` protocol (see platform/base.py).

`up` builds the kustomize root, adds the Secret `slogate-admin-token` holding the stack's
admin token (the target's fault hooks check it), checks the user's rights on every object,
applies them server-side (recording each it created), waits for every Deployment to roll
out, and writes a kubeconfig holding a token of the chaos ServiceAccount. A failure or
Ctrl-C on the way deletes what it created. `down` deletes exactly what `up` created, newest first.

`traffic` (kubernetes.traffic in slogate.yaml) says whether the pods answer requests. With it
true, `up` then port-forwards the target's, Prometheus' and Redis' Services to loopback
(reach.py; in a pod it reaches them by cluster DNS instead), waits for Prometheus' `/-/ready`
and the target's readiness there, starts a Prometheus beside the load generator (on this
machine, or in the drill's pod) that scrapes it and federates the in-cluster one
(local_prometheus.py: the URL the SLO checks ask), and records the forwards and that
Prometheus in the state file (`down` stops them). On a cluster whose pods run no container
(kwok, the test control plane) it is false, and those steps and seeding are skipped by that
capability (`traffic(state)`: the state has a forwarded URL).

`attach` (kubernetes.attach, a scheduled drill) gates the target Deployment already deployed:
`up` applies nothing (it checks the Deployment is there and rolled out, attach.py), seeds
nothing, and `down` deletes nothing. In a pod (in_cluster.py) the API is reached as the pod's
ServiceAccount, chaos acts as that same account, and the Services are reached by cluster DNS
(`reach_mode`: no port-forward, no kubectl).

What this platform cannot measure (`cannot_measure`): there is no edge (a Service routes,
HAProxy's counters do not exist), so the edge's SLIs are reported as not measurable; so are
the client's on a stack without the local Prometheus (no traffic): the in-cluster Prometheus
cannot scrape the load generator.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Literal

from slogate.chaos.ledger import Fault, FaultLedger
from slogate.config import SlogateConfig
from slogate.errors import InfrastructureError, Interrupted, SlogateError, UsageError
from slogate.host.binaries import binary_check, find_binary
from slogate.host.ports import free_port
from slogate.interrupts import InterruptSignals
from slogate.load.runner import LoadPlan
from slogate.platform.base import (
    ChaosBackend,
    DoctorCheck,
    GateSession,
    OnEvent,
    PartRow,
    SessionHooks,
    ShouldStop,
    StackDown,
    StackEvent,
)
from slogate.platform.kubernetes.access_review import require_rights
from slogate.platform.kubernetes.apply import (
    Resources,
    apply_manifests,
    delete_objects,
    resources_ref,
)
from slogate.platform.kubernetes.attach import attached_deployment
from slogate.platform.kubernetes.chaos_backend import KubernetesBackend
from slogate.platform.kubernetes.chaos_identity import CHAOS_KUBECONFIG, write_chaos_kubeconfig
from slogate.platform.kubernetes.cluster import Api, ClusterAccess, api_client, resolve_access
from slogate.platform.kubernetes.fault_removal import remove_kubernetes_fault
from slogate.platform.kubernetes.gate_session import KubernetesGateSession
from slogate.platform.kubernetes.in_cluster import IN_CLUSTER_KUBECONFIG, stack_access
from slogate.platform.kubernetes.local_prometheus import (
    LOCAL_PROMETHEUS,
    has_local_prometheus,
    start_local_prometheus,
    stop_local_prometheus,
    wait_for_first_samples,
)
from slogate.platform.kubernetes.locust import WEB_PORT, deploy_load
from slogate.platform.kubernetes.manifests import Manifest, build_manifests, with_admin_token
from slogate.platform.kubernetes.port_forward import Forward, stop_forward_parts
from slogate.platform.kubernetes.reach import (
    PROMETHEUS,
    TARGET,
    Reached,
    reach_by_cluster_dns,
    reach_mode,
    reach_stack,
    redis_url,
)
from slogate.platform.kubernetes.record import (
    ClusterRecord,
    ObjectRef,
    load_record,
    remove_record,
    save_record,
)
from slogate.platform.kubernetes.rollout import wait_for_rollouts
from slogate.platform.kubernetes.status import deployment_rows
from slogate.platform.kubernetes.tooling import kind_check, kubectl_check
from slogate.platform.seeding import seed_stack
from slogate.platform.stack_secrets import ADMIN_TOKEN, ensure_secret
from slogate.platform.state import (
    PartState,
    StackState,
    ensure_stack_dir,
    load_state,
    remove_state,
    save_state,
    stack_dir,
)

__all__ = ["KubernetesPlatform"]

CLEANUP_TIMEOUT_S = 120.0
NOT_MEASURED = {
    "edge": "no edge on Kubernetes: a Service routes the requests, so HAProxy's counters "
    "(and what an edge absorbed) do not exist",
    "client": "no Prometheus scrapes the load generator: the in-cluster one cannot reach it, "
    "and slogate starts one beside it only with traffic (this stack has kubernetes.traffic: "
    "false)",
}
FOREGROUND_POLL_S = 0.2


@dataclass
class _Prepared:
    access: ClusterAccess
    api: Api
    manifests: list[Manifest]
    attached: list[ObjectRef]  # with kubernetes.attach: the target Deployment, checked ready


def _prepare(config: SlogateConfig, stack: str) -> _Prepared:
    """Everything checked before the first object is applied (exit 2 or 4, nothing applied)."""
    stack_dir(stack)  # checks the name
    if load_state(stack) is not None or load_record(stack) is not None:
        raise UsageError(
            f"stack {stack!r} is already up; `slogate down --stack {stack}` first, or pick "
            "another --stack"
        )
    access = stack_access(config, stack)
    attach = config.kubernetes.attach
    if config.kubernetes.traffic:
        find_binary("prometheus")  # the one beside the load generator (local_prometheus.py)
    token = ensure_secret(stack, ADMIN_TOKEN)
    manifests = [] if attach else build_manifests(config)
    manifests = with_admin_token(manifests, access.namespace, token) if manifests else []
    api = Api(api_client(access))
    try:
        api.check_reachable(access)
        if attach:  # nothing is applied: the deployed Deployment must be there and ready
            target = config.kubernetes.target_deployment
            return _Prepared(access, api, [], [attached_deployment(api, access.namespace, target)])
        resources = Resources(api)
        objects = [resources_ref(resources, m, access.namespace) for m in manifests]
        require_rights(api, access, objects)
    except BaseException:
        api.close()
        raise
    return _Prepared(access, api, manifests, [])


class KubernetesPlatform:
    """The kustomize root on a cluster; chaos through chaostoolkit-kubernetes."""

    name = "kubernetes"

    def traffic(self, state: StackState) -> bool:
        return state.edge_url is not None  # the target's Service is forwarded

    def cannot_measure(self, place: str, state: StackState | None = None) -> str | None:
        if place == "client" and state is not None and has_local_prometheus(state):
            return None  # scraped by the Prometheus on this machine beside the federation
        return NOT_MEASURED.get(place)

    def preflight(self, config: SlogateConfig, stack: str) -> None:
        _prepare(config, stack).api.close()

    def start(self, config: SlogateConfig, stack: str, on_event: OnEvent) -> StackState:
        return self.bring_up(config, stack, on_event, detached=True)[0]

    def bring_up(
        self, config: SlogateConfig, stack: str, on_event: OnEvent, detached: bool
    ) -> tuple[StackState, Reached | None]:
        """`start`, with the port-forwards outliving this process (`detached`) or not (a
        gate's session); the running forwards (None without traffic)."""
        prepared = _prepare(config, stack)
        record = ClusterRecord(access=prepared.access, settings=config.kubernetes)
        save_record(stack, record)
        signals = InterruptSignals()
        try:
            with signals.installed():
                try:
                    return _bring_up(config, stack, prepared, record, on_event, detached)
                except BaseException as error:
                    with signals.shield():
                        _undo(prepared.api, stack, record, error)
                    if isinstance(error, KeyboardInterrupt):
                        raise Interrupted(
                            f"interrupted: what `up` had created in namespace "
                            f"{prepared.access.namespace} is deleted"
                        ) from None
                    raise
        finally:
            prepared.api.close()

    def run_foreground(
        self,
        config: SlogateConfig,
        stack: str,
        on_event: OnEvent,
        on_ready: Callable[[StackState], None],
        should_stop: ShouldStop,
    ) -> None:
        state = self.start(config, stack, on_event)
        try:
            on_ready(state)
            while not should_stop():
                time.sleep(FOREGROUND_POLL_S)
        finally:
            self.down(stack, CLEANUP_TIMEOUT_S)

    def gate_session(self, config: SlogateConfig, stack: str, hooks: SessionHooks) -> GateSession:
        if not config.kubernetes.traffic:
            raise UsageError(
                f"{config.source or 'slogate.yaml'}: kubernetes.traffic is false (pods that "
                "answer no request): `slogate run` needs traffic; set it to true on a cluster "
                "whose pods run"
            )
        return KubernetesGateSession(self, config, stack, hooks)

    def seed(self, config: SlogateConfig, state: StackState, log: Path) -> bool:
        if not self.traffic(state) or config.kubernetes.attach:
            return False  # nothing can reach Redis, or it holds the deployed service's data
        return seed_stack(config, redis_url(state), log)

    def down(self, stack: str, timeout: float) -> StackDown:
        record = load_record(stack)
        state = load_state(stack)
        was_up = state is not None or record is not None
        notes: list[str] = []
        forwards = (state.parts if state is not None else []) + (
            record.forwards if record is not None else []
        )
        stop_forward_parts(forwards)
        stop_local_prometheus(forwards, record)
        if record is not None:
            api = Api(api_client(record.access))
            try:
                problems = delete_objects(api, record.created, timeout)
            finally:
                api.close()
            if problems:
                return StackDown(stack=stack, was_up=True, not_removed=problems)
            notes.append(
                f"deleted {len(record.created)} object(s) `up` created in context "
                f"{record.access.context!r}"
                if not record.settings.attach
                else f"attached to the deployed service in namespace {record.access.namespace}: "
                "nothing was created, nothing deleted"
            )
        _remove_kubeconfigs(stack)
        remove_record(stack)
        remove_state(stack)
        return StackDown(stack=stack, was_up=was_up, notes=notes)

    def status(self, state: StackState, readiness_path: str) -> list[PartRow]:
        record = _require_record(state.stack)
        api = Api(api_client(record.access))
        try:
            return deployment_rows(api, record.access.namespace, state, FaultLedger(state.stack))
        finally:
            api.close()

    def supervisor_alive(self, state: StackState) -> bool:
        """The cluster's controllers supervise the pods: alive when its API server answers."""
        record = _require_record(state.stack)
        api = Api(api_client(record.access))
        try:
            api.check_reachable(record.access)
        except SlogateError:
            return False
        finally:
            api.close()
        return True

    def chaos_backend(
        self, state: StackState, ledger: FaultLedger, run_id: str, experiment: str | None
    ) -> ChaosBackend:
        record = _require_record(state.stack)
        return KubernetesBackend(state, record, ledger, run_id, experiment)

    def remove_fault(self, stack: str, fault: Fault) -> str:
        return remove_kubernetes_fault(stack, fault)

    def deploy_load(
        self, config: SlogateConfig, stack: str, plan: LoadPlan, on_ready: Callable[[str], None]
    ) -> list[str]:
        """Locust's master and workers as Deployments (platform/kubernetes/locust.py)."""
        record = _require_record(stack)
        done = deploy_load(config, stack, record, plan, lambda ref: on_ready(ref.name))
        notes = [
            f"Locust master and {done.workers} worker(s) rolled out in namespace "
            f"{done.namespace}; the master starts profile {plan.profile.name!r} itself and "
            f"keeps its results in its web UI (kubectl -n {done.namespace} port-forward "
            f"svc/locust-master {WEB_PORT}); `slogate down` deletes them with the stack"
        ]
        if not record.settings.traffic:
            notes.append(
                "kubernetes.traffic is false (pods simulated or unreachable): slogate collects "
                "no results from the pods"
            )
        return notes

    def doctor(self, config: SlogateConfig) -> list[DoctorCheck]:
        kubectl = kubectl_check(config)
        if config.kubernetes.attach and reach_mode(config) == "cluster-dns":
            detail = f"{'kubectl':<13} not needed: attached, in a pod (no kustomize, no forward)"
            kubectl = DoctorCheck(ok=True, status="not needed", detail=detail)
        checks = [kubectl, kind_check(), self._api_check(config)]
        if config.kubernetes.traffic:
            checks.append(binary_check("prometheus"))  # local_prometheus.py
        return checks

    def _api_check(self, config: SlogateConfig) -> DoctorCheck:
        try:
            access = resolve_access(config)
            api = Api(api_client(access))
            try:
                server = api.check_reachable(access)
            finally:
                api.close()
        except SlogateError as error:
            return DoctorCheck(ok=False, status="missing", detail=str(error))
        detail = f"context {access.context!r} answers: Kubernetes {server}"
        return DoctorCheck(ok=True, status="ok", detail=detail)

    def tool_versions(self) -> dict[str, str | None]:
        versions: dict[str, str | None] = {}
        for package in ("kubernetes", "chaostoolkit-kubernetes"):
            try:
                versions[package] = version(package)
            except PackageNotFoundError:
                versions[package] = None
        return versions


def _require_record(stack: str) -> ClusterRecord:
    record = load_record(stack)
    if record is None:
        raise UsageError(
            f"stack {stack!r} has no cluster record ({stack_dir(stack)}/kubernetes.json): "
            f"`slogate down --stack {stack} --platform kubernetes`, then `slogate up` again"
        )
    return record


def _undo(api: Api, stack: str, record: ClusterRecord, error: BaseException) -> None:
    """After a failed or interrupted `up`: delete what it created. When that fails too, an
    InfrastructureError says what is left and how to retry."""
    stop_forward_parts(record.forwards)
    stop_local_prometheus([], record)
    problems = delete_objects(api, record.created, CLEANUP_TIMEOUT_S)
    if problems:
        raise InfrastructureError(
            f"`up` failed ({error or type(error).__name__}) and cleaning up failed too, so "
            f"these are left: {'; '.join(problems)}; `slogate down --stack {stack} "
            "--platform kubernetes` retries"
        ) from error
    _remove_kubeconfigs(stack)
    remove_record(stack)
    remove_state(stack)


def _remove_kubeconfigs(stack: str) -> None:
    for name in (CHAOS_KUBECONFIG, IN_CLUSTER_KUBECONFIG):
        (stack_dir(stack) / name).unlink(missing_ok=True)


def _bring_up(
    config: SlogateConfig,
    stack: str,
    prepared: _Prepared,
    record: ClusterRecord,
    on_event: OnEvent,
    detached: bool,
) -> tuple[StackState, Reached | None]:
    """Apply, wait for the rollouts, write the chaos kubeconfig, forward the Services (with
    traffic), write the state file."""
    began = time.monotonic()
    namespace = prepared.access.namespace

    def elapsed() -> float:
        return time.monotonic() - began

    def created(ref: ObjectRef) -> None:
        record.created.append(ref)
        save_record(stack, record)

    def event(ref: ObjectRef, phase: Literal["started", "ready"]) -> None:
        if ref.kind == "Deployment":
            on_event(StackEvent(part=ref.name, phase=phase, t=elapsed()))

    if config.kubernetes.attach:
        deployments = prepared.attached
        event(deployments[0], "ready")
    else:
        applied = apply_manifests(
            prepared.api,
            prepared.manifests,
            namespace,
            on_created=created,
            on_applied=lambda ref: event(ref, "started"),
        )
        deployments = [ref for ref in applied if ref.kind == "Deployment"]
        wait_for_rollouts(
            prepared.api,
            deployments,
            config.kubernetes.rollout_timeout_s,
            on_ready=lambda ref: event(ref, "ready"),
        )
    account = config.kubernetes.chaos_service_account
    mode = reach_mode(config)
    if account is not None and mode == "port-forward":  # in a pod: chaos is the pod's account
        path = write_chaos_kubeconfig(prepared.api, stack, namespace, account)
        record.chaos_kubeconfig = str(path)
        save_record(stack, record)
    run_dir = ensure_stack_dir(stack) / "run"
    state = StackState(
        stack=stack,
        platform=KubernetesPlatform.name,
        started_at=time.time(),
        run_dir=str(run_dir),
        parts=[
            PartState(name=ref.name, kind="deployment", extra={"namespace": namespace})
            for ref in deployments
        ],
    )
    reached = None
    if config.kubernetes.traffic:
        client_metrics_port = free_port()

        def beside(cluster_url: str) -> None:  # its first scrape overlaps the readiness waits
            on_event(StackEvent(part=LOCAL_PROMETHEUS, phase="started", t=elapsed()))
            record.local_prometheus = start_local_prometheus(
                config, stack, run_dir, client_metrics_port, cluster_url, detached
            )
            save_record(stack, record)

        def forwarded(forward: Forward) -> None:
            record.forwards.append(forward.part())
            save_record(stack, record)
            if forward.target.part == PROMETHEUS:
                beside(forward.url)

        if mode == "cluster-dns":  # in a pod: the in-cluster Prometheus at its DNS name
            parts = reach_by_cluster_dns(config, prepared.api, namespace, on_event, beside)
            state.edge_url = next(str(p.url) for p in parts if p.name == TARGET)
            state.parts += parts
        else:
            reached = reach_stack(
                config, prepared.access, run_dir / "logs", detached, on_event, forwarded
            )
            state.edge_url = reached.url(TARGET)
            state.parts += [forward.part() for forward in reached.parts()]
        assert record.local_prometheus is not None  # started once Prometheus' URL was known
        state.prometheus_url = record.local_prometheus.url
        state.client_metrics_port = client_metrics_port
        state.scrape_interval_s = config.timings.scrape_interval_s
        state.parts.append(record.local_prometheus)
        if detached:  # a gate's session waits once its load generator is starting
            wait_for_first_samples(state)
            on_event(StackEvent(part=LOCAL_PROMETHEUS, phase="ready", t=elapsed()))
    save_state(state)
    on_event(StackEvent(part="stack", phase="ready", t=elapsed()))
    return state, reached

"""The target's fault hooks on `platform: kubernetes` (latency, errors) through the API
server's pod proxy: what slogate sends, the ledger, the TTL at the replica and the rollback
from the ledger alone.

The API server here is a FAKE (tests/k8s/fake_pod_proxy.py): the test control plane's pods
are simulated by kwok and serve no HTTP, so no real pod-proxy call can reach a target there.
The fake forwards to real target_service processes on a real Redis, and, like
kube-apiserver, authenticates the caller's bearer token and drops it before proxying. What
the real API server decides (the chaos identity's `pods/proxy` right, the failed call to a
kwok pod) is tested against it in test_kubernetes_chaos.py."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from chaoslib.exceptions import ActivityFailed

from slogate.chaos import actions
from slogate.chaos.ledger import FaultEvent, FaultLedger
from slogate.chaos.rollback import roll_back_faults
from slogate.config import KubernetesConfig
from slogate.platform.kubernetes.cluster import ClusterAccess
from slogate.platform.kubernetes.record import ClusterRecord, save_record
from slogate.platform.stack_secrets import ADMIN_TOKEN, ensure_secret, secret_path
from slogate.platform.state import StackState, save_state
from tests.k8s.fake_pod_proxy import CONTEXT, FakeApiServer, fake_api_server
from tests.support.cli import slogate_home
from tests.support.redis_server import RedisServer, running_redis
from tests.support.waiting import wait_until
from tests.target_service.service_process import ServiceProcess, admin_env, running_service

pytestmark = pytest.mark.slow  # two target processes and a Redis; no control plane

STACK = "hooks"
NAMESPACE = "hooks-ns"
PODS = ("target-service-aaaaa", "target-service-bbbbb")
CHAOS_TOKEN = "chaos-identity-token"
HTTP_TIMEOUT_S = 5.0
CONFIGURATION = {"slogate_stack": STACK, "slogate_run_id": "hooks-run"}


@dataclass
class Cluster:
    fake: FakeApiServer
    services: dict[str, ServiceProcess]
    token: str

    def faults_at(self, pod: str) -> list[dict[str, Any]]:
        """The faults in force at the pod's replica, asked directly (not through slogate)."""
        service = self.services[pod]
        response = httpx.get(
            f"{service.url}/admin/faults",
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=HTTP_TIMEOUT_S,
        )
        response.raise_for_status()
        faults: list[dict[str, Any]] = response.json()
        return faults

    def proxied(self) -> list[Any]:
        return [r for r in self.fake.requests if "/proxy/" in r.path]


@pytest.fixture(scope="module")
def redis() -> Iterator[RedisServer]:
    with running_redis() as server:
        yield server


@pytest.fixture
def cluster(tmp_path: Path, redis: RedisServer) -> Iterator[Cluster]:
    """A stack on the fake cluster: its record, state and admin token, two real replicas
    whose hooks check that token."""
    with slogate_home(tmp_path / "home"), ExitStack() as stack:
        token = ensure_secret(STACK, ADMIN_TOKEN)
        env = admin_env(TARGET_ADMIN_TOKEN=token)
        services = {pod: stack.enter_context(running_service(redis.url, env)) for pod in PODS}
        fake = stack.enter_context(fake_api_server(NAMESPACE, CHAOS_TOKEN))
        fake.backends.update({pod: service.url for pod, service in services.items()})
        kubeconfig = fake.write_kubeconfig(tmp_path / "kubeconfig")
        access = ClusterAccess(kubeconfig=str(kubeconfig), context=CONTEXT, namespace=NAMESPACE)
        settings = KubernetesConfig(namespace=NAMESPACE, traffic=False)
        save_record(STACK, ClusterRecord(access=access, settings=settings))
        run_dir = str(tmp_path / "run")
        started = time.time()
        state = StackState(stack=STACK, platform="kubernetes", started_at=started, run_dir=run_dir)
        save_state(state)
        yield Cluster(fake, services, token)


def test_latency_goes_to_every_pod_through_the_pod_proxy_and_is_rolled_back(
    cluster: Cluster,
) -> None:
    ids = actions.inject_latency(fixed_ms=200, ttl_s=30, configuration=CONFIGURATION)
    assert len(ids) == len(PODS)
    sent = cluster.proxied()
    assert [(r.method, r.path) for r in sent] == [
        ("POST", f"/api/v1/namespaces/{NAMESPACE}/pods/{pod}:8000/proxy/admin/faults")
        for pod in PODS
    ]
    for request in sent:
        # the API server authenticates the chaos identity; the replica checks the admin token
        assert request.headers["authorization"] == f"Bearer {CHAOS_TOKEN}"
        assert request.headers["x-admin-token"] == cluster.token
        assert request.body == {
            "kind": "latency",
            "routes": "/api/",
            "ratio": 1.0,
            "fixed_ms": 200,
            "ttl_s": 30,
        }

    applied = {f.target: f for f in FaultLedger(STACK).faults() if f.state is FaultEvent.APPLIED}
    assert set(applied) == set(PODS)
    for pod in PODS:
        (at_replica,) = cluster.faults_at(pod)
        fault = applied[pod]
        assert fault.rollback is not None
        assert fault.rollback.via == "kubernetes_pod_proxy"
        assert fault.rollback.detail == {"namespace": NAMESPACE, "pod": pod, "port": 8000}
        assert fault.rollback.injector_id == at_replica["id"]  # the replica's own id
        assert fault.expires_at == pytest.approx(at_replica["expires_at"])  # its TTL there
        assert at_replica["spec"]["fixed_ms"] == 200

    assert actions.clear_faults(configuration=CONFIGURATION) == len(PODS)
    assert all(cluster.faults_at(pod) == [] for pod in PODS)
    deletes = [(r.method, r.path) for r in cluster.proxied() if r.method == "DELETE"]
    assert deletes == [
        ("DELETE", f"/api/v1/namespaces/{NAMESPACE}/pods/{pod}:8000/proxy/admin/faults/{fid}")
        for pod, fid in ((p, applied[p].rollback.injector_id) for p in PODS)  # type: ignore[union-attr]
    ]
    closing = {e.target: e for e in FaultLedger(STACK).entries() if e.event == "rolled_back"}
    assert {pod: closing[pod].message for pod in PODS} == {pod: "removed" for pod in PODS}


def test_a_fault_ends_at_its_ttl_at_the_replica_and_a_gone_pod_takes_its_fault(
    cluster: Cluster,
) -> None:
    short = actions.inject_errors(ratio=0.5, ttl_s=1, configuration=CONFIGURATION)
    # the replicas end them by themselves, whatever slogate does
    for pod in PODS:
        wait_until(
            lambda pod=pod: cluster.faults_at(pod) == [], timeout=10, what="the TTL at a replica"
        )
    ended = max(f.expires_at for f in FaultLedger(STACK).faults() if f.fault_id in short)

    actions.inject_errors(ratio=0.5, ttl_s=60, configuration=CONFIGURATION)
    del cluster.fake.backends[PODS[1]]  # the pod is deleted (its replica took the fault along)
    report = roll_back_faults(FaultLedger(STACK), STACK, now=ended + 2)
    assert sorted(report.expired) == sorted(short)  # closed as past their TTL, nothing sent
    assert report.errors == [] and len(report.closed) == 2
    messages = {e.message for e in FaultLedger(STACK).entries() if e.event == "rolled_back"}
    assert messages == {"removed", f"pod {PODS[1]} is gone: its faults went with it"}
    assert cluster.faults_at(PODS[0]) == []


def test_a_wrong_admin_token_fails_the_activity_and_leaves_no_fault(cluster: Cluster) -> None:
    """A stack whose token the replicas do not know (a target deployed by another stack):
    the replica refuses through the proxy, the ledger says failed, nothing is in force."""
    secret_path(STACK, ADMIN_TOKEN).write_text("not-the-replicas-token")
    with pytest.raises(ActivityFailed, match=rf"latency fault on pod {PODS[0]} .* forbidden"):
        actions.inject_latency(fixed_ms=100, ttl_s=30, configuration=CONFIGURATION)
    assert [e.event for e in FaultLedger(STACK).entries()] == ["intent", "failed"]
    assert all(cluster.faults_at(pod) == [] for pod in PODS)

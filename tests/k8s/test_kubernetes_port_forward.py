"""Port-forwards on `platform: kubernetes`, through the real API server to real processes.

Nothing is faked on the path: `kubectl port-forward` (the project-built kubectl) asks the real
kube-apiserver for a pod's `portforward` subresource; the API server reaches the pod's node
as its kubelet, which on the test control plane is kwok (it serves the kubelet API on the
nodes' loopback address); kwok's ClusterPortForward rule, created here for the stack's
namespace, sends the pod's port to a real local process: a target_service on a real Redis
for the target's container port, a real Prometheus for Prometheus' port. What is simulated
is only where the pod's port lives (a local process instead of a container).

`up` also starts a Prometheus on this machine that scrapes the load generator and federates
the forwarded one: a load run here is judged at the client through it, and against a
weakened target (its fault hook failing half the API requests) the client's error-rate
objective FAILs, in `slogate check` and in the chaos steady-state probe alike.
"""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
import yaml

from slogate.chaos.probes import objective_holds
from slogate.config import load_config
from slogate.platform.kubernetes.cluster import ClusterAccess
from slogate.platform.kubernetes.port_forward import Forwards, ForwardTarget
from tests.k8s.applied import Applied
from tests.k8s.controlplane.cluster import ControlPlane
from tests.k8s.controlplane.kubectl import Kubectl
from tests.k8s.forwarded import (
    PROMETHEUS_PORT,
    REDIS_PORT,
    TARGET_PORT,
    forward_processes,
    forwarded_to,
    local_prometheus_processes,
    running_prometheus,
)
from tests.k8s.kubernetes_stack import KubernetesStack, brought_down, write_stack
from tests.support.cli import REPO, close_pipes, slogate, slogate_env, slogate_home, stop_slogate
from tests.support.redis_server import RedisServer, running_redis
from tests.support.waiting import wait_until
from tests.target_service.service_process import (
    ServiceProcess,
    admin_env,
    running_service,
    service_env,
)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("control-plane")]

HTTP_TIMEOUT_S = 5.0


@pytest.fixture(scope="module")
def redis() -> Iterator[RedisServer]:
    with running_redis() as server:
        yield server


@pytest.fixture(scope="module")
def service(redis: RedisServer) -> Iterator[ServiceProcess]:
    """The target, over a small data set (the load discovers it), its fault hooks on."""
    subprocess.run(
        [sys.executable, "-m", "target_service", "seed", "--organisations", "3"],
        env=service_env(redis.url, 0), cwd=REPO, check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    with running_service(redis.url, env=admin_env()) as process:  # its hooks weaken it
        yield process


@pytest.fixture(scope="module")
def prometheus(
    control_plane: ControlPlane, service: ServiceProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("prometheus")
    with running_prometheus(control_plane.binaries.prometheus, folder, service.port) as url:
        yield url


@pytest.fixture
def stack(
    tmp_path: Path, control_plane: ControlPlane, kubectl: Kubectl, deployed: Applied
) -> Iterator[KubernetesStack]:
    settings = {"traffic": True, "rollout_timeout_s": 20}
    with brought_down(write_stack(tmp_path, control_plane, kubectl, settings)) as stack:
        yield stack


def state_of(stack: KubernetesStack) -> dict[str, Any]:
    path = stack.home / "stacks" / stack.name / "state.json"
    state: dict[str, Any] = json.loads(path.read_text())
    return state


def test_up_reaches_the_service_and_prometheus_through_the_api_server_and_down_stops_the_forwards(
    stack: KubernetesStack,
    service: ServiceProcess,
    prometheus: str,
    redis: RedisServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    local = {TARGET_PORT: service.port, PROMETHEUS_PORT: int(prometheus.rsplit(":", 1)[1])}
    with forwarded_to(stack.kubectl, stack.namespace, {**local, REDIS_PORT: redis.port}):
        result = stack.up("--no-seed")
        assert result.exit_code == 0, result
        state = state_of(stack)
        forwards = {p["name"]: p for p in state["parts"] if p["kind"] == "port-forward"}
        assert set(forwards) == {"forward-target", "forward-prometheus", "forward-redis"}
        assert state["edge_url"] == forwards["forward-target"]["url"]
        # the SLO checks ask the Prometheus on this machine, which federates the forwarded one
        (local_prometheus,) = [p for p in state["parts"] if p["name"] == "prometheus-local"]
        assert state["prometheus_url"] == local_prometheus["url"]
        assert local_prometheus["extra"]["federates"] == forwards["forward-prometheus"]["url"][7:]
        assert f"prometheus  {state['prometheus_url']}" in result.stdout
        assert f"forward-prometheus {forwards['forward-prometheus']['url']}" in result.stdout
        status = stack.cli("status", "--stack", stack.name)
        assert status.exit_code == 0, status
        assert "-> target-service" in status.stdout and "-> prometheus" in status.stdout
        assert f"-> federates {local_prometheus['extra']['federates']}" in status.stdout
        # the real target answers through the real API server and kwok
        ready = httpx.get(f"{state['edge_url']}/health/readiness", timeout=HTTP_TIMEOUT_S)
        assert ready.status_code == 200, ready.text
        metrics = httpx.get(f"{state['edge_url']}/metrics", timeout=HTTP_TIMEOUT_S).text
        assert "process_start_time_seconds" in metrics
        assert httpx.get(f"{state['prometheus_url']}/-/ready", timeout=HTTP_TIMEOUT_S).text
        # the forwards and that Prometheus outlive `up` (detached), the recorded processes
        running = forward_processes(stack.namespace)
        assert sorted(p.pid for p in running) == sorted(
            p["process"]["pid"] for p in forwards.values()
        )
        assert [p.pid for p in local_prometheus_processes(stack.home)] == [
            local_prometheus["process"]["pid"]
        ]
        the_client_is_judged_and_fails_on_a_weakened_target(stack, service, state, caplog)
        result = stack.down()
        assert result.exit_code == 0, result
        assert forward_processes(stack.namespace) == []
        assert local_prometheus_processes(stack.home) == []
        assert not stack.namespace_exists() or wait_until(
            lambda: not stack.namespace_exists(), 60, what="the namespace to go"
        )


def the_client_is_judged_and_fails_on_a_weakened_target(
    stack: KubernetesStack,
    service: ServiceProcess,
    state: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Load from this machine through the target's forward while the target fails every
    request for one clinic (about a fifth of the load; the clinics list, which the load reads
    first, still answers): the client's error-rate objective is measured (client metrics
    scraped by the local Prometheus) and FAILs, in `slogate check` and in the steady-state
    probe."""
    fault = httpx.post(
        f"{service.url}/admin/faults", headers=service.admin_headers, timeout=HTTP_TIMEOUT_S,
        json={"kind": "errors", "ratio": 1.0, "ttl_s": 60, "routes": "/api/v1/clinics/"},
    )  # fmt: skip
    assert fault.status_code == 201, fault.text
    try:
        run = stack.folder / "load-run"
        load = stack.cli(
            "load", "smoke", "--host", state["edge_url"], "--rate", "40", "--duration", "5",
            "--client-metrics-port", str(state["client_metrics_port"]),
            "--run-dir", str(run), "--loadtests", str(REPO / "loadtests"),
        )  # fmt: skip
        assert load.exit_code == 0, load
    finally:
        httpx.delete(
            f"{service.url}/admin/faults/{fault.json()['id']}",
            headers=service.admin_headers, timeout=HTTP_TIMEOUT_S,
        )  # fmt: skip
    report = stack.folder / "check.json"
    check = stack.cli(
        "check", str(REPO / "slo" / "target-service.yaml"), "--stack", stack.name,
        "--load-run", str(run), "--json", str(report),
    )  # fmt: skip
    assert check.exit_code == 1, check
    results = {(r["objective"], r["place"]): r for r in json.loads(report.read_text())["results"]}
    client = results[("error-rate-under-1pct", "client")]
    assert (client["verdict"], client["gating"], client["measurable"]) == ("FAIL", True, True)
    assert client["evidence"]["total"] >= 100 and client["evidence"]["bad"] >= 10, client
    # the chaos steady-state probe asks the same Prometheus: a FAIL, not "no data"
    with slogate_home(stack.home), caplog.at_level(logging.INFO, logger="chaostoolkit"):
        holds = objective_holds(
            str(REPO / "slo" / "target-service.yaml"), "error-rate-under-1pct", last_s=8,
            place="client", wait_s=0, configuration={"slogate_stack": stack.name},
        )  # fmt: skip
    assert holds is False
    assert "error-rate-under-1pct at client over the last 8 s: FAIL" in caplog.text


def test_up_that_cannot_reach_prometheus_fails_and_leaves_nothing(
    stack: KubernetesStack, service: ServiceProcess
) -> None:
    config = yaml.safe_load(stack.config.read_text())
    config["kubernetes"]["rollout_timeout_s"] = 8  # also how long Prometheus is waited for
    stack.config.write_text(yaml.safe_dump(config))
    with forwarded_to(stack.kubectl, stack.namespace, {TARGET_PORT: service.port}):
        result = stack.up("--no-seed")
    assert result.exit_code == 4, result
    assert "Prometheus did not answer 200 on /-/ready through its port-forward" in result.stderr
    assert forward_processes(stack.namespace) == []
    assert local_prometheus_processes(stack.home) == []
    assert not (stack.home / "stacks" / stack.name / "kubernetes.json").exists()
    assert not (stack.home / "stacks" / stack.name / "state.json").exists()


def test_a_forward_that_ended_is_revived_on_the_same_port(
    stack: KubernetesStack, service: ServiceProcess, prometheus: str, tmp_path: Path
) -> None:
    local = {TARGET_PORT: service.port, PROMETHEUS_PORT: int(prometheus.rsplit(":", 1)[1])}
    with forwarded_to(stack.kubectl, stack.namespace, local):
        assert stack.up("--no-seed").exit_code == 0
        stack.settled_target()
        config = load_config(str(stack.config))
        access = ClusterAccess(
            kubeconfig=str(config.kubernetes.kubeconfig),
            context=state_context(stack),
            namespace=stack.namespace,
        )
        forwards = Forwards(config.kubernetes.kubectl, access, tmp_path / "logs", detached=False)
        try:
            forward = forwards.start(ForwardTarget("forward-target", "target-service", "http"))
            url = f"{forward.url}/health/readiness"
            assert httpx.get(url, timeout=HTTP_TIMEOUT_S).status_code == 200
            # the forward ends (on a cluster: its pod went away; kwok keeps a deleted pod's
            # stream open, so here its kubectl is killed)
            forward.process.kill()
            forward.process.wait(timeout=10)
            revived = wait_until(forwards.revive, 60, interval=0.5, what="a revived forward")
            assert revived == ["forward-target"]
            again = forwards.running["forward-target"]
            assert (
                again.local_port == forward.local_port and again.process.pid != forward.process.pid
            )
            assert httpx.get(url, timeout=HTTP_TIMEOUT_S).status_code == 200
        finally:
            forwards.stop()
        assert forwards.running == {}
        assert not psutil.pid_exists(again.process.pid) or again.process.poll() is not None


def state_context(stack: KubernetesStack) -> str:
    record = json.loads((stack.home / "stacks" / stack.name / "kubernetes.json").read_text())
    context: str = record["access"]["context"]
    return context


def test_ctrl_c_while_waiting_for_prometheus_stops_the_forwards_and_deletes_the_stack(
    stack: KubernetesStack, service: ServiceProcess
) -> None:
    """A real `slogate up` process, interrupted (SIGINT) while its forwards run and it waits
    for a Prometheus that never answers: exit 130, no forward left, nothing left applied."""
    record = stack.home / "stacks" / stack.name / "kubernetes.json"
    config = yaml.safe_load(stack.config.read_text())
    config["kubernetes"]["rollout_timeout_s"] = 120
    stack.config.write_text(yaml.safe_dump(config))
    with forwarded_to(stack.kubectl, stack.namespace, {TARGET_PORT: service.port}):
        process = subprocess.Popen(
            slogate("up", "--stack", stack.name, "--platform", "kubernetes", "--no-seed"),
            cwd=stack.folder, env=slogate_env(stack.home), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            wait_until(
                lambda: len(json.loads(record.read_text())["forwards"]) == 3, 60,
                interval=0.05, what="up to start its three forwards",
            )  # fmt: skip
            # what runs is what the record lists (a forward with no pod behind it, Prometheus'
            # here, may already have ended on its first readiness probe: kubectl exits then)
            recorded = {f["process"]["pid"] for f in json.loads(record.read_text())["forwards"]}
            running = {p.pid for p in forward_processes(stack.namespace)}
            assert running and running <= recorded, (running, recorded)
            process.send_signal(signal.SIGINT)
            _, stderr = process.communicate(timeout=120)
        finally:
            stop_slogate(process)
            close_pipes(process)
    assert process.returncode == 130, stderr
    assert forward_processes(stack.namespace) == []
    assert local_prometheus_processes(stack.home) == []
    assert not record.exists()
    assert not stack.namespace_exists()

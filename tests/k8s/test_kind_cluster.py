"""k8s/ on a real kind cluster: image built and loaded, manifests applied, pods Ready.

Runs only with SLOGATE_KIND_TESTS=1 (tests/conftest.py) and an existing kind cluster named
$SLOGATE_KIND_CLUSTER (default "slogate"):

    kind create cluster --config k8s/kind/cluster.yaml
    SLOGATE_KIND_TESTS=1 .venv/bin/pytest tests/k8s -m kind -v

The module applies k8s/ once, and deletes it afterwards (keep it with SLOGATE_KIND_KEEP=1).
Every command has a timeout; the port-forward is stopped in `finally`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from tests.k8s.manifests import K8S_DIR, REPO, load_documents
from tests.support.stopping import terminate
from tests.support.waiting import free_port, port_is_listening, wait_until

# The first test also builds the image and rolls out: far beyond the suite's 300 s default.
pytestmark = [pytest.mark.kind, pytest.mark.slow, pytest.mark.timeout(1500)]

CLUSTER = os.environ.get("SLOGATE_KIND_CLUSTER", "slogate")
CONTEXT = f"kind-{CLUSTER}"
NAMESPACE = "slogate"
HTTP_TIMEOUT_S = 5.0
ROLLOUT_TIMEOUT_S = 300


def target_image() -> str:
    (deployment,) = load_documents(K8S_DIR / "target" / "deployment.yaml")
    return str(deployment.body["spec"]["template"]["spec"]["containers"][0]["image"])


def run(*command: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run a command to completion; fail the test with its output when it fails."""
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, check=False, cwd=REPO
    )
    if result.returncode != 0:
        raise AssertionError(
            f"{' '.join(command)} exited {result.returncode}\n"
            f"stdout: {result.stdout[-3000:]}\nstderr: {result.stderr[-3000:]}"
        )
    return result


def kubectl(*arguments: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return run(
        "kubectl", "--context", CONTEXT, "--namespace", NAMESPACE, *arguments, timeout=timeout
    )


def kubectl_json(*arguments: str) -> dict[str, Any]:
    value = json.loads(kubectl("get", *arguments, "--output", "json").stdout)
    assert isinstance(value, dict)
    return value


def diagnostics() -> str:
    """What the namespace looks like, for a failure message."""
    parts = []
    for arguments in (
        ("get", "pods", "--output", "wide"),
        ("describe", "pods"),
        ("get", "events", "--sort-by", ".lastTimestamp"),
        ("logs", "--selector", "app.kubernetes.io/name=target-service", "--tail", "50"),
    ):
        try:
            parts.append(kubectl(*arguments).stdout[-4000:])
        except (AssertionError, subprocess.TimeoutExpired) as error:
            parts.append(f"kubectl {' '.join(arguments)} failed: {error}")
    return "\n".join(parts)


@pytest.fixture(scope="module")
def deployed() -> Iterator[None]:
    for tool in ("kind", "kubectl", "docker"):
        if shutil.which(tool) is None:
            pytest.fail(f"SLOGATE_KIND_TESTS=1 needs {tool} on PATH")
    clusters = run("kind", "get", "clusters", timeout=30).stdout.split()
    if CLUSTER not in clusters:
        pytest.fail(
            f"no kind cluster named {CLUSTER!r} (found {clusters}); create it with "
            "`kind create cluster --config k8s/kind/cluster.yaml` or set SLOGATE_KIND_CLUSTER"
        )
    image = target_image()
    run("docker", "build", "--file", "target_service/Dockerfile", "--tag", image, ".", timeout=900)
    run("kind", "load", "docker-image", image, "--name", CLUSTER, timeout=300)
    try:
        run("kubectl", "--context", CONTEXT, "apply", "--kustomize", str(K8S_DIR), timeout=120)
        for deployment in ("redis", "target-service"):
            try:
                kubectl(
                    "rollout",
                    "status",
                    f"deployment/{deployment}",
                    f"--timeout={ROLLOUT_TIMEOUT_S}s",
                    timeout=ROLLOUT_TIMEOUT_S + 30,
                )
            except AssertionError as error:
                raise AssertionError(f"{error}\n{diagnostics()}") from None
        yield
    finally:
        if os.environ.get("SLOGATE_KIND_KEEP") != "1":
            run(
                "kubectl",
                "--context",
                CONTEXT,
                "delete",
                "--kustomize",
                str(K8S_DIR),
                "--ignore-not-found",
                "--wait=true",
                "--timeout=180s",
                timeout=210,
            )


@contextmanager
def port_forward(service: str, remote_port: int) -> Iterator[str]:
    """`kubectl port-forward` to a Service on a free local port; yields the base URL."""
    local_port = free_port()
    process = subprocess.Popen(
        [
            "kubectl",
            "--context",
            CONTEXT,
            "--namespace",
            NAMESPACE,
            "port-forward",
            "--address",
            "127.0.0.1",
            f"svc/{service}",
            f"{local_port}:{remote_port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until(
            lambda: process.poll() is None and port_is_listening(local_port),
            timeout=30,
            interval=0.2,
            what=f"port-forward to svc/{service}",
        )
        yield f"http://127.0.0.1:{local_port}"
    finally:
        terminate(process)
        if process.stderr is not None:
            process.stderr.close()


@pytest.mark.usefixtures("deployed")
def test_every_replica_is_ready_without_restarts() -> None:
    status = kubectl_json("deployment", "target-service")["status"]
    assert status.get("readyReplicas") == 3
    assert status.get("updatedReplicas") == 3
    pods = kubectl_json("pods", "--selector", "app.kubernetes.io/name=target-service")["items"]
    assert len(pods) == 3
    for pod in pods:
        (container,) = pod["status"]["containerStatuses"]
        # a crash loop would show here: e.g. a write to the read-only root file system
        assert container["ready"] is True, pod["metadata"]["name"]
        assert container["restartCount"] == 0, f"{pod['metadata']['name']}\n{diagnostics()}"
    nodes = {pod["spec"]["nodeName"] for pod in pods}
    cluster_nodes = kubectl_json("nodes")["items"]
    if len(cluster_nodes) >= 3:  # control plane + 2 workers: topology spread puts them apart
        assert len(nodes) >= 2, f"all replicas on {nodes}"


@pytest.mark.usefixtures("deployed")
def test_disruption_budget_allows_one_eviction() -> None:
    def budget_status() -> dict[str, Any] | None:
        status = kubectl_json("poddisruptionbudget", "target-service").get("status", {})
        return status if status.get("currentHealthy") == 3 else None

    status = wait_until(budget_status, timeout=60, interval=1, what="PDB sees 3 healthy pods")
    assert status["desiredHealthy"] == 2
    assert status["disruptionsAllowed"] == 1


@pytest.mark.usefixtures("deployed")
def test_service_answers_ready_and_exports_metrics() -> None:
    with (
        port_forward("target-service", 80) as base,
        httpx.Client(base_url=base, timeout=HTTP_TIMEOUT_S) as client,
    ):

        def ready_and_ok() -> dict[str, Any] | None:
            response = client.get("/health/readiness")
            body = response.json()
            return body if response.status_code == 200 and body["status"] == "ok" else None

        body = wait_until(ready_and_ok, timeout=60, interval=0.5, what="readiness status ok")
        assert body["status"] == "ok"
        assert client.get("/health/liveness").status_code == 200
        assert client.get("/health/startup").status_code == 200
        metrics = client.get("/metrics")
        assert metrics.status_code == 200
        assert "http_request_duration_seconds_bucket{" in metrics.text
        assert 'le="0.5"' in metrics.text


@pytest.mark.usefixtures("deployed")
def test_seeded_data_is_served_through_the_service() -> None:
    """The pods reach Redis through its Service name: seed in one pod, read via the Service."""
    kubectl(
        "exec",
        "deployment/target-service",
        "--",
        "python",
        "-m",
        "target_service",
        "seed",
        "--organisations",
        "3",
        timeout=120,
    )
    with (
        port_forward("target-service", 80) as base,
        httpx.Client(base_url=base, timeout=HTTP_TIMEOUT_S) as client,
    ):
        response = client.get("/api/v1/organisations")
        assert response.status_code == 200
        assert response.json(), "the seeded organisations are listed"

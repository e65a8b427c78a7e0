"""`slogate run GATE --platform kubernetes` on the real control plane, with real traffic.

The stack is k8s/ applied to the real API server; the load reaches the target through
slogate's own port-forward (real kubectl, real API server, kwok as the kubelet) to a real
target_service. The SLO checks ask the Prometheus slogate starts on this machine, which
scrapes the load generator and federates the "in-cluster" Prometheus through its
port-forward: that one runs beside the control plane (pods run no container here) and
scrapes the target with the labels the in-cluster one gives (tests/k8s/forwarded.py). So the
client's objectives are judged (the same verdicts as the server's on the reference service);
the edge's cannot be measured on Kubernetes: the report says so, and they do not gate.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
import yaml

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
from tests.k8s.kubernetes_stack import KubernetesStack, write_stack
from tests.support.cli import REPO, slogate, slogate_env
from tests.support.redis_server import RedisServer, running_redis
from tests.target_service.service_process import ServiceProcess, running_service

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("control-plane")]

GATE_TIMEOUT_S = 240
# The client's requests cross kubectl's tunnel to kwok, this machine's stand-in kubelet, which
# now and then stalls the requests in flight until the client's 10 s timeout (0 to 6 of 1,280
# per run under the suite's load, never seen by the server: kubernetes/kubectl#1620 and its
# kin). A 99 % objective over about 520 requests cannot tell such a stall from the service, so
# this gate judges availability at 95 % (conclusive from 59 requests; 6 lost of 520 still PASS).
# What it shows is the platform judging the client at all, not the 1 % claim.
ERROR_RATE = "error-rate-under-5pct"
# 40 req/s for 16 s: a baseline of about 520 requests, conclusive for 95 % and p95 (59 each)
GATES = {
    "k8s-smoke": {
        "load": {"profile": "smoke", "rate": 40, "duration_s": 16},
        "warmup_s": 3,
        "objectives": {"baseline": [ERROR_RATE, "p95-under-500ms", "edge-absorbed-nothing"]},
    }
}


def write_slo(folder: Path) -> None:
    """The shipped SLO file with the error-rate objective at 95 % instead of 99 % (above)."""
    spec = yaml.safe_load((REPO / "slo" / "target-service.yaml").read_text())
    (objective,) = [o for o in spec["spec"]["objectives"] if o["name"] == "error-rate-under-1pct"]
    objective.update(name=ERROR_RATE, target=0.95)
    (folder / "slo").mkdir()
    (folder / "slo" / "target-service.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    with running_redis(with_password=False) as server:  # k8s/redis/ has no password
        yield server


@pytest.fixture
def service(redis: RedisServer) -> Iterator[ServiceProcess]:
    with running_service(redis.url) as process:
        yield process


@pytest.fixture
def stack(
    tmp_path: Path,
    control_plane: ControlPlane,
    kubectl: Kubectl,
    deployed: Applied,
    service: ServiceProcess,
    redis: RedisServer,
) -> Iterator[KubernetesStack]:
    stack = write_stack(
        tmp_path / "project", control_plane, kubectl, {"traffic": True, "rollout_timeout_s": 30}
    )
    config = yaml.safe_load(stack.config.read_text())
    config["gates"] = GATES
    stack.config.write_text(yaml.safe_dump(config))
    for name in ("loadtests", "experiments"):
        (stack.folder / name).symlink_to(REPO / name)
    write_slo(stack.folder)
    with running_prometheus(
        control_plane.binaries.prometheus, tmp_path, service.port
    ) as prometheus:
        ports = {
            TARGET_PORT: service.port,
            PROMETHEUS_PORT: int(prometheus.rsplit(":", 1)[1]),
            REDIS_PORT: redis.port,
        }
        with forwarded_to(kubectl, stack.namespace, ports):
            yield stack


def run_gate(stack: KubernetesStack) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        slogate(
            "run", "k8s-smoke", "--platform", "kubernetes",
            "--reports-dir", str(stack.folder / "reports"),
        ),
        cwd=stack.folder, env={**slogate_env(stack.home), "PYTHONUNBUFFERED": "1"},
        capture_output=True, text=True, timeout=GATE_TIMEOUT_S, check=False,
    )  # fmt: skip


def results_of(report: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    (baseline,) = report["phases"]
    return {(r["objective"], r["place"]): r for r in baseline["results"]}


def test_a_gate_runs_on_kubernetes_judges_the_client_and_reports_what_it_cannot_measure(
    stack: KubernetesStack,
) -> None:
    result = run_gate(stack)
    assert result.returncode == 0, result.stdout + result.stderr
    (folder,) = (stack.folder / "reports").iterdir()
    report = json.loads((folder / "report.json").read_text())
    results = results_of(report)
    for objective in (ERROR_RATE, "p95-under-500ms"):
        for place in ("server", "client"):  # the server's federated, the client's scraped here
            judged = results[(objective, place)]
            assert (judged["verdict"], judged["gating"], judged["measurable"]) == (
                "PASS", True, True,
            ), judged  # fmt: skip
            assert judged["evidence"]["total"] > 300  # the load went through the forward
    edge = results[("edge-absorbed-nothing", "edge")]
    assert (edge["gating"], edge["measurable"]) == (False, False)
    assert "no edge on Kubernetes" in edge["reason"]
    assert "not measurable" in result.stdout
    assert (folder / "seed.log").exists()  # seeded through the Redis forward
    skipped = [
        case
        for case in ET.parse(folder / "junit.xml").getroot().iter("testcase")
        if case.find("skipped") is not None
    ]
    assert len(skipped) == 1  # the edge's only
    # the stack is gone: its forwards and the Prometheus on this machine stopped, its
    # namespace deleted
    assert forward_processes(stack.namespace) == []
    assert local_prometheus_processes(stack.home) == []
    assert list((stack.home / "stacks").glob("*/kubernetes.json")) == []

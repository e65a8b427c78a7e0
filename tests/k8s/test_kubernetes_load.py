"""`slogate load PROFILE --platform kubernetes --workers N` against the real control plane:
k8s/locust/ (master and worker Deployments, the master's Service) and the generated ConfigMap
are validated and admitted by the API server (PodSecurity restricted included), the worker
count is N, the ConfigMap holds the loadtests folder slogate runs locally, the containers run
the command lines a local run uses, and `down` deletes it all.

Pods are simulated by kwok: no container runs, so no load flows and no results come back;
what is real is the API server's validation, admission, the rollouts and the deletes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from slogate.load.profiles import find_profile
from slogate.load.runner import LoadPlan, locust_commands, profile_arguments
from slogate.platform.kubernetes.locust import cluster_commands, pod_plan
from tests.k8s.applied import Applied
from tests.k8s.controlplane.cluster import ControlPlane
from tests.k8s.controlplane.kubectl import Kubectl
from tests.k8s.kubernetes_stack import KubernetesStack, brought_down, write_stack
from tests.k8s.manifests import K8S_DIR, REPO
from tests.k8s.target_pods import is_ready
from tests.support.waiting import wait_until

LOADTESTS = REPO / "loadtests"
WORKERS = "app.kubernetes.io/name=locust,app.kubernetes.io/component=worker"
LOCUST_OBJECTS = {
    ("ConfigMap", "locust-loadtests"), ("ServiceAccount", "locust"),
    ("Deployment", "locust-master"), ("Deployment", "locust-worker"),
    ("Service", "locust-master"),
}  # fmt: skip
GONE_TIMEOUT_S = 60


def smoke_plan(workers: int) -> LoadPlan:
    profile = find_profile("smoke", LOADTESTS)
    return LoadPlan(profile=profile, host="http://target-service", run_dir=Path("run"),
                    loadtests_dir=LOADTESTS, workers=workers)  # fmt: skip


def container(deployment: dict[str, Any]) -> dict[str, Any]:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    found: dict[str, Any] = containers[0]
    return found


def test_the_shipped_manifests_run_what_slogate_would_for_smoke_with_two_workers() -> None:
    """`kubectl apply -k k8s/locust` alone runs the same command lines slogate generates for
    `slogate load smoke --workers 2`: the folder and the generator cannot drift apart."""
    master, worker = cluster_commands(pod_plan(smoke_plan(2)))
    folder = K8S_DIR / "locust"
    shipped = {
        document["metadata"]["name"]: document
        for name in ("deployment-master.yaml", "deployment-worker.yaml")
        for document in [yaml.safe_load((folder / name).read_text())]
    }
    for name, command in (("locust-master", master), ("locust-worker", worker)):
        spec = container(shipped[name])
        assert [*spec["command"], *spec["args"]] == command, name
    assert shipped["locust-worker"]["spec"]["replicas"] == 2


def test_the_pods_run_the_local_profile_options_and_only_the_placement_differs() -> None:
    """Master and workers get exactly the open-model options of a local run of the profile;
    what differs is where they run and meet (the Service's name, every address, autostart)."""
    plan = smoke_plan(3)
    master, worker = cluster_commands(pod_plan(plan))
    local_master, local_worker = locust_commands(plan)[:2]
    local, in_pod = profile_arguments(plan), profile_arguments(pod_plan(plan))
    for options, commands in ((in_pod, (master, worker)), (local, (local_master, local_worker))):
        for command in commands:
            assert json.dumps(options)[1:-1] in json.dumps(command), command
    # the same options but the loadtests folder (the ConfigMap's mount in the pods)
    differ = [(a, b) for a, b in zip(local, in_pod, strict=True) if a != b]
    assert differ == [(str(LOADTESTS), "/loadtests")]
    assert master[master.index("--master-bind-host") + 1] == "0.0.0.0"
    assert worker[worker.index("--master-host") + 1] == "locust-master"
    assert "--autostart" in master and "--headless" not in master
    assert "--headless" in local_master and "--autostart" not in local_master
    assert master[master.index("--expect-workers") + 1] == "3"
    # the web UI has no login and can start a swarm against any host: the pod's loopback only
    assert master[master.index("--web-host") + 1] == "127.0.0.1"


LOCAL_ONLY = [
    ["--ui"], ["--web-host", "0.0.0.0"], ["--web-port", "8089"], ["--web-login"],
    ["--web-credentials", "creds"], ["--run-time", "1m"], ["--run-dir", "out"],
    ["--client-metrics-port", "9646"], ["--start-when-file", "go"],
]  # fmt: skip


@pytest.mark.parametrize("option", LOCAL_ONLY, ids=[o[0] for o in LOCAL_ONLY])
def test_options_of_a_local_run_are_refused_on_kubernetes(
    tmp_path: Path, option: list[str]
) -> None:
    """They were silently ignored: exit 2 naming the option, before any cluster is asked."""
    from tests.support.cli import run_cli

    result = run_cli(
        "load", "smoke", "--stack", "nothing-here", "--platform", "kubernetes",
        "--loadtests", str(LOADTESTS), *option, env={"SLOGATE_HOME": str(tmp_path / "home")},
    )  # fmt: skip
    assert result.exit_code == 2, result
    assert f"{option[0]} do not apply on a distributed platform" in result.stderr
    assert "drop them" in result.stderr
    assert not (tmp_path / "home").exists() or not any((tmp_path / "home").rglob("*.json"))


@pytest.mark.slow
@pytest.mark.xdist_group("control-plane")
class TestOnTheControlPlane:
    @pytest.fixture
    def stack(
        self, tmp_path: Path, control_plane: ControlPlane, kubectl: Kubectl, deployed: Applied
    ) -> Iterator[KubernetesStack]:
        settings = {"locust": str(K8S_DIR / "locust")}
        with brought_down(write_stack(tmp_path, control_plane, kubectl, settings)) as stack:
            result = stack.up()
            assert result.exit_code == 0, result
            yield stack

    def load(self, stack: KubernetesStack, *extra: str) -> None:
        result = stack.cli(
            "load", "smoke", "--stack", stack.name, "--platform", "kubernetes",
            "--loadtests", str(LOADTESTS), *extra,
        )  # fmt: skip
        assert result.exit_code == 0, result
        assert "locust-master ready" in result.stdout and "locust-worker ready" in result.stdout
        assert "slogate collects no results from the pods" in result.stdout

    def workers_ready(self, stack: KubernetesStack, count: int) -> None:
        def check() -> bool:
            pods = stack.pods(WORKERS)
            return len(pods) == count and all(map(is_ready, pods))

        wait_until(check, GONE_TIMEOUT_S, interval=0.2, what=f"{count} worker pods")

    def test_load_applies_master_and_n_workers_and_down_removes_them(
        self, stack: KubernetesStack
    ) -> None:
        self.load(stack, "--workers", "3")
        workers = stack.get("deployment", "locust-worker")
        assert workers["spec"]["replicas"] == 3
        assert workers["status"]["availableReplicas"] == 3
        self.workers_ready(stack, 3)
        master = stack.get("deployment", "locust-master")
        assert master["status"]["availableReplicas"] == 1
        # the containers run the command lines slogate generates for this profile
        expected_master, expected_worker = cluster_commands(pod_plan(smoke_plan(3)))
        assert [*container(master)["command"], *container(master)["args"]] == expected_master
        assert [*container(workers)["command"], *container(workers)["args"]] == expected_worker
        # the ConfigMap holds the loadtests folder a local run reads, mounted at its paths
        data = stack.get("configmap", "locust-loadtests")["data"]
        assert data["locustfile.py"] == (LOADTESTS / "locustfile.py").read_text()
        assert data["profiles.yaml"] == (LOADTESTS / "profiles.yaml").read_text()
        volumes = master["spec"]["template"]["spec"]["volumes"]
        items = next(v for v in volumes if "configMap" in v)["configMap"]["items"]
        assert {"key": "locustfile.py", "path": "locustfile.py"} in items
        # the web UI on the pod's loopback: ready when the workers' port is, not the UI's
        assert container(master)["readinessProbe"]["tcpSocket"]["port"] == "workers"
        service = stack.get("service", "locust-master")
        assert {p["name"]: p["port"] for p in service["spec"]["ports"]} == {
            "web": 8089, "workers": 5557, "client-metrics": 9646,
        }  # fmt: skip

        record = json.loads((stack.home / "stacks" / stack.name / "kubernetes.json").read_text())
        made = [(ref["kind"], ref["name"]) for ref in record["created"]]
        assert set(made) >= LOCUST_OBJECTS

        # a second load scales the workers and records nothing twice
        self.load(stack, "--workers", "1")
        assert stack.get("deployment", "locust-worker")["spec"]["replicas"] == 1
        self.workers_ready(stack, 1)
        again = json.loads((stack.home / "stacks" / stack.name / "kubernetes.json").read_text())
        assert [(ref["kind"], ref["name"]) for ref in again["created"]] == made

        down = stack.down()
        assert down.exit_code == 0, down
        assert not stack.namespace_exists()

    def test_load_without_a_kubernetes_stack_is_bad_input(self, tmp_path: Path) -> None:
        """No stack up: exit 2 naming the stack and what to do, nothing applied."""
        from tests.support.cli import run_cli

        result = run_cli(
            "load", "smoke", "--stack", "nothing-here", "--platform", "kubernetes",
            "--loadtests", str(LOADTESTS), env={"SLOGATE_HOME": str(tmp_path / "home")},
        )  # fmt: skip
        assert result.exit_code == 2, result
        assert "stack 'nothing-here' has no cluster record" in result.stderr
        assert "Traceback" not in result.stderr

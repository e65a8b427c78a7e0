"""`slogate up/status/down --platform kubernetes` against the real control plane: the kustomize
root applied and rolled out, the steps that need traffic skipped by the platform's capability,
`down` deleting what `up` created and nothing else, and each error mapped to its exit code
with nothing left half-applied. Pods are simulated by kwok (no container, no traffic)."""

from __future__ import annotations

import base64
import json
import signal
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.k8s.applied import Applied
from tests.k8s.controlplane.cluster import ControlPlane
from tests.k8s.controlplane.kubectl import Kubectl
from tests.k8s.kubernetes_stack import KubernetesStack, brought_down, write_stack
from tests.support.cli import close_pipes, slogate, slogate_env, stop_slogate
from tests.support.waiting import free_port, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("control-plane")]

GONE_TIMEOUT_S = 60
CLEANUP_TIMEOUT_S = 120
# what k8s/ holds in a namespace (the Namespace itself and the cluster-wide policy aside)
NAMESPACED = {
    ("ServiceAccount", "slogate-chaos"), ("ServiceAccount", "target-service"),
    ("Role", "slogate-chaos"), ("RoleBinding", "slogate-chaos"),
    ("ConfigMap", "redis"), ("ConfigMap", "target-service"),
    ("Service", "redis"), ("Service", "target-service"),
    ("Deployment", "redis"), ("Deployment", "target-service"),
    ("PodDisruptionBudget", "target-service"), ("HorizontalPodAutoscaler", "target-service"),
    ("Secret", "slogate-admin-token"),  # not in k8s/: `up` adds it, from the stack's token
    ("ServiceAccount", "prometheus"), ("Role", "prometheus"), ("RoleBinding", "prometheus"),
    ("ConfigMap", "prometheus"), ("Service", "prometheus"), ("Deployment", "prometheus"),
}  # fmt: skip


@pytest.fixture
def stack(
    tmp_path: Path, control_plane: ControlPlane, kubectl: Kubectl, deployed: Applied
) -> Iterator[KubernetesStack]:
    with brought_down(write_stack(tmp_path, control_plane, kubectl)) as stack:
        yield stack


def created(stack: KubernetesStack) -> list[dict[str, str]]:
    record = json.loads((stack.home / "stacks" / stack.name / "kubernetes.json").read_text())
    return list(record["created"])


def test_up_rolls_out_without_traffic_and_down_removes_it(stack: KubernetesStack) -> None:
    result = stack.up()
    assert result.exit_code == 0, result
    # progress: each Deployment started, then ready, then the stack
    for part in ("prometheus", "redis", "target-service"):
        for line in (f"{part} started", f"{part} ready"):
            assert line in result.stdout, result.stdout
    assert "stack ready" in result.stdout
    # the traffic steps were skipped by the capability (no seed, no URLs), and said so
    assert "traffic     none: pods are simulated" in result.stdout
    assert "seeded" not in result.stdout and "edge" not in result.stdout
    pods = stack.settled_target()
    assert len({pod["spec"]["nodeName"] for pod in pods}) == 3
    deployment = stack.get("deployment", "target-service")
    assert deployment["status"]["updatedReplicas"] == deployment["status"]["availableReplicas"] == 3
    state = json.loads((stack.home / "stacks" / stack.name / "state.json").read_text())
    assert state["platform"] == "kubernetes"
    assert [(p["name"], p["kind"]) for p in state["parts"]] == [
        ("prometheus", "deployment"),
        ("redis", "deployment"),
        ("target-service", "deployment"),
    ]
    made = {(ref["kind"], ref["name"]) for ref in created(stack)}
    assert made == {*NAMESPACED, ("Namespace", stack.namespace)}  # not the cluster-wide policy
    chaos = stack.home / "stacks" / stack.name / "chaos-kubeconfig"
    assert stat.S_IMODE(chaos.stat().st_mode) == 0o600
    token = (stack.home / "stacks" / stack.name / "admin-token").read_text()
    secret = stack.get("secret", "slogate-admin-token")
    assert base64.b64decode(secret["data"]["token"]).decode() == token

    status = stack.cli("status", "--stack", stack.name)
    assert status.exit_code == 0, status
    assert "part=target-service port=- pid=- running=True ready=3/3 restarts=0" in status.stdout

    down = stack.down()
    assert down.exit_code == 0, down
    assert f"stack {stack.name!r} is down" in down.stdout
    assert f"deleted {len(NAMESPACED) + 1} object(s)" in down.stderr  # and the Namespace
    assert not stack.namespace_exists()
    assert not (stack.home / "stacks" / stack.name / "state.json").exists()
    assert not chaos.exists()
    # the cluster-wide policy `up` found in place is still there
    stack.kubectl.run("get", "validatingadmissionpolicy", "slogate-chaos-deletes-target-pods-only")


def test_down_leaves_what_up_did_not_create(stack: KubernetesStack) -> None:
    """A namespace that existed before `up`, and an object someone else put in it, stay."""
    stack.kubectl.run("create", "namespace", stack.namespace)
    stack.kubectl.run(
        "create", "configmap", "not-slogates", "--from-literal=a=b", "--namespace", stack.namespace
    )
    assert stack.up().exit_code == 0
    assert ("Namespace", stack.namespace) not in {(r["kind"], r["name"]) for r in created(stack)}
    down = stack.down()
    assert down.exit_code == 0, down

    def only_the_configmap_left() -> bool:
        names = stack.get("all,configmaps,serviceaccounts,roles,rolebindings,pdb,hpa")["items"]
        left = {(item["kind"], item["metadata"]["name"]) for item in names}
        return left <= {("ConfigMap", "not-slogates"), ("ConfigMap", "kube-root-ca.crt"),
                        ("ServiceAccount", "default")}  # fmt: skip

    wait_until(only_the_configmap_left, GONE_TIMEOUT_S, interval=0.2, what="objects to go")
    assert stack.namespace_exists()
    assert stack.get("configmap", "not-slogates")["data"] == {"a": "b"}
    stack.kubectl.run("delete", "namespace", stack.namespace, "--wait=false")


def test_a_context_that_does_not_exist_is_bad_input(stack: KubernetesStack) -> None:
    config = yaml.safe_load(stack.config.read_text())
    config["kubernetes"]["context"] = "no-such-context"
    stack.config.write_text(yaml.safe_dump(config))
    result = stack.up()
    assert result.exit_code == 2, result
    assert "kubernetes.context: context 'no-such-context' is not in" in result.stderr
    assert "(it has: slogate); set kubernetes.context to one of them" in result.stderr
    assert "Traceback" not in result.stderr
    assert not stack.namespace_exists()


def test_an_api_server_that_does_not_answer_is_an_infrastructure_failure(
    stack: KubernetesStack, tmp_path: Path
) -> None:
    kubeconfig = yaml.safe_load(Path(stack.kubectl.kubeconfig).read_text())
    kubeconfig["clusters"][0]["cluster"]["server"] = f"https://127.0.0.1:{free_port()}"
    unreachable = tmp_path / "unreachable-kubeconfig"
    unreachable.write_text(yaml.safe_dump(kubeconfig))
    config = yaml.safe_load(stack.config.read_text())
    config["kubernetes"]["kubeconfig"] = str(unreachable)
    stack.config.write_text(yaml.safe_dump(config))
    result = stack.up()
    assert result.exit_code == 4, result
    assert "context 'slogate' (https://127.0.0.1:" in result.stderr
    assert "the API server does not answer" in result.stderr
    assert "start the cluster, or set kubernetes.context to one that is up" in result.stderr
    assert not (stack.home / "stacks" / stack.name / "kubernetes.json").exists()


def test_missing_rights_are_found_before_anything_is_applied(
    stack: KubernetesStack, tmp_path: Path
) -> None:
    """The kubeconfig's user is the `slogate` namespace's chaos account: it may not create a
    Namespace, so `up` applies nothing and says what is missing."""
    token = stack.kubectl.run(
        "create", "token", "slogate-chaos", "--namespace", "slogate", "--duration=10m"
    ).stdout.strip()
    kubeconfig = yaml.safe_load(Path(stack.kubectl.kubeconfig).read_text())
    kubeconfig["users"][0]["user"] = {"token": token}
    limited = tmp_path / "limited-kubeconfig"
    limited.write_text(yaml.safe_dump(kubeconfig))
    config = yaml.safe_load(stack.config.read_text())
    config["kubernetes"]["kubeconfig"] = str(limited)
    stack.config.write_text(yaml.safe_dump(config))
    result = stack.up()
    assert result.exit_code == 2, result
    assert f"context 'slogate' may not create Namespace {stack.namespace}" in result.stderr
    assert "nothing was applied; grant these rights (RBAC)" in result.stderr
    assert not stack.namespace_exists()


def never_rolls_out(
    tmp_path: Path, control_plane: ControlPlane, kubectl: Kubectl, timeout_s: float
) -> KubernetesStack:
    """A stack whose target pods fit no node (a nodeSelector no node has)."""
    nowhere = {
        "op": "add",
        "path": "/spec/template/spec/nodeSelector",
        "value": {"slogate.test/no-such-node": "true"},
    }
    patch = {
        "target": {"kind": "Deployment", "name": "target-service"},
        "patch": yaml.safe_dump([nowhere]),
    }
    return write_stack(
        tmp_path,
        control_plane,
        kubectl,
        kubernetes={"rollout_timeout_s": timeout_s},
        overlay={"patches": [patch]},
    )


def test_a_rollout_that_never_completes_is_undone(
    tmp_path: Path, control_plane: ControlPlane, kubectl: Kubectl, deployed: Applied
) -> None:
    """The rollout times out: exit 4 names the Deployment and the fix, and everything `up`
    created is deleted."""
    stack = never_rolls_out(tmp_path, control_plane, kubectl, timeout_s=3)
    result = stack.up()
    assert result.exit_code == 4, result
    assert "rollout not complete after 3 s: Deployment target-service in namespace" in result.stderr
    assert "0/3 available" in result.stderr
    assert f"kubectl describe deployment target-service --namespace {stack.namespace}" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr
    assert not stack.namespace_exists()
    assert not (stack.home / "stacks" / stack.name / "kubernetes.json").exists()
    assert not (stack.home / "stacks" / stack.name / "state.json").exists()


def test_sigterm_during_up_deletes_what_it_created(
    tmp_path: Path, control_plane: ControlPlane, kubectl: Kubectl, deployed: Applied
) -> None:
    """A real `slogate up` process, stopped while it waits for a rollout: exit 130, and the
    objects it had created are gone before it exits."""
    stack = never_rolls_out(tmp_path, control_plane, kubectl, timeout_s=120)
    record = stack.home / "stacks" / stack.name / "kubernetes.json"
    process = subprocess.Popen(
        slogate("up", "--stack", stack.name, "--platform", "kubernetes"),
        cwd=stack.folder, env=slogate_env(stack.home), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:

        def deployments_created() -> bool:
            made = json.loads(record.read_text())["created"]
            return {"redis", "target-service"} <= {
                r["name"] for r in made if r["kind"] == "Deployment"
            }

        wait_until(deployments_created, 60, interval=0.05, what="up to create both Deployments")
        assert stack.namespace_exists()
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=CLEANUP_TIMEOUT_S)
    finally:
        stop_slogate(process)
        close_pipes(process)
    assert process.returncode == 130, stderr
    assert f"interrupted: what `up` had created in namespace {stack.namespace} is deleted" in stderr
    assert not stack.namespace_exists()
    assert not record.exists()


def test_a_root_that_deploys_elsewhere_is_bad_input(stack: KubernetesStack) -> None:
    config = yaml.safe_load(stack.config.read_text())
    config["kubernetes"]["namespace"] = "somewhere-else"
    stack.config.write_text(yaml.safe_dump(config))
    result = stack.up()
    assert result.exit_code == 2, result
    assert f"{stack.folder}/overlay/kustomization.yaml: namespace: " in result.stderr
    assert f"goes to namespace {stack.namespace!r}, but kubernetes.namespace in" in result.stderr
    assert "is 'somewhere-else': make them the same" in result.stderr
    assert not stack.namespace_exists()

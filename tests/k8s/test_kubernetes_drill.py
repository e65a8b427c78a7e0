"""The scheduled drill of the deployed service (k8s/drill/), on the real control plane:
`kubernetes.attach` in a pod, acting as the `slogate-chaos` ServiceAccount.

This process plays the drill's pod: the token is a real one of slogate-chaos (the TokenRequest
API, through `kubectl create token`), the CA is the cluster's and `$KUBERNETES_SERVICE_HOST`
points at the API server; only the folder the kubelet would mount them in is a temporary one
(this machine runs no pod). `kubernetes.kubectl` names a file that does not exist: the drill's
image has no kubectl, and nothing here may need one. Pods are simulated (kwok): no traffic, so
the part before traffic (the Deployment read, the Services' ports) runs for real, and the
readiness wait by cluster DNS fails as it must where no cluster DNS answers.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil
import pytest
import yaml
from kubernetes.client.exceptions import ApiException

from slogate.chaos import actions
from slogate.config import SlogateConfig
from slogate.errors import ExitCode
from slogate.platform.kubernetes import in_cluster
from slogate.platform.kubernetes.cluster import Api, api_client
from tests.k8s.applied import NAMESPACE, Applied
from tests.k8s.controlplane.cluster import ControlPlane
from tests.k8s.controlplane.kubectl import Kubectl
from tests.k8s.kubernetes_stack import KubernetesStack, brought_down
from tests.k8s.target_pods import ready_target_pods
from tests.support.cli import REPO, slogate_home

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("control-plane")]

UNREADY = "drill-unready"
UNREADY_DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": UNREADY, "namespace": NAMESPACE},
    "spec": {
        "replicas": 1,
        "selector": {"matchLabels": {"app": UNREADY}},
        "template": {
            "metadata": {"labels": {"app": UNREADY}},
            "spec": {
                "nodeSelector": {"slogate.test/no-such-node": "true"},  # stays Pending
                "securityContext": {"runAsNonRoot": True, "runAsUser": 10001,
                                    "seccompProfile": {"type": "RuntimeDefault"}},
                "containers": [{"name": "c", "image": "registry.invalid/none:1",
                                "securityContext": {"allowPrivilegeEscalation": False,
                                                    "capabilities": {"drop": ["ALL"]}}}],
            },
        },
    },
}  # fmt: skip


@pytest.fixture
def in_a_pod(
    tmp_path: Path,
    control_plane: ControlPlane,
    kubectl: Kubectl,
    deployed: Applied,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """This process as a pod of ServiceAccount slogate-chaos in namespace slogate."""
    folder = tmp_path / "serviceaccount"
    folder.mkdir()
    token = kubectl.run(
        "create", "token", "slogate-chaos", "--namespace", NAMESPACE, "--duration=10m"
    ).stdout.strip()
    (folder / "token").write_text(token)
    (cluster,) = json.loads(control_plane.kubeconfig.read_text())["clusters"]
    shutil.copy(cluster["cluster"]["certificate-authority"], folder / "ca.crt")
    (folder / "namespace").write_text(NAMESPACE)
    server = urlsplit(cluster["cluster"]["server"])
    monkeypatch.setattr(in_cluster, "SERVICE_ACCOUNT_DIR", folder)
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", str(server.hostname))
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", str(server.port))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    return folder


def drill(folder: Path, kubectl: Kubectl, **settings: Any) -> KubernetesStack:
    """A slogate.yaml like the drill image's with `--attach`: no kubeconfig, no kubectl."""
    kubernetes = {
        "namespace": NAMESPACE,
        "attach": True,
        "traffic": False,
        "kubectl": str(folder / "no-kubectl-here"),
        "rollout_timeout_s": 1,
        **settings,
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "slogate.yaml").write_text(
        yaml.safe_dump({"platform": "kubernetes", "kubernetes": kubernetes})
    )
    return KubernetesStack(name="drill", folder=folder, namespace=NAMESPACE, kubectl=kubectl)


def record(stack: KubernetesStack) -> dict[str, Any]:
    return dict(json.loads((stack.home / "stacks" / stack.name / "kubernetes.json").read_text()))


def test_an_attached_drill_reads_the_deployed_service_and_leaves_it_as_it_was(
    in_a_pod: Path, tmp_path: Path, kubectl: Kubectl
) -> None:
    before = kubectl.get("deployment", "target-service", "--namespace", NAMESPACE)
    with brought_down(drill(tmp_path, kubectl)) as stack:
        up = stack.up()
        assert up.exit_code == 0, up
        assert "target-service ready" in up.stdout
        assert "started" not in up.stdout  # nothing applied
        made = record(stack)
        assert made["created"] == []
        assert made["access"]["context"] == "in-cluster"  # the pod's account, not a kubeconfig
        assert made["chaos_kubeconfig"] is None  # chaos acts as that same account
        assert made["forwards"] == []
        state = json.loads((stack.home / "stacks" / stack.name / "state.json").read_text())
        assert [(p["name"], p["kind"]) for p in state["parts"]] == [
            ("target-service", "deployment")
        ]
        status = stack.cli("status", "--stack", stack.name)
        assert status.exit_code == 0, status
        assert "part=target-service port=- pid=- running=True ready=3/3" in status.stdout
        # the drill's fault as the experiment's activity does it (in this process), as the
        # pod's own account through chaostoolkit-kubernetes
        before_pods = {pod["metadata"]["name"] for pod in ready_target_pods(kubectl)}
        configuration = {"slogate_stack": stack.name, "slogate_run_id": "drill"}
        with slogate_home(stack.home):
            (victim,) = actions.terminate_replicas(
                count=1, graceful=False, down_s=1, configuration=configuration
            )
        assert victim in before_pods
        assert victim not in {pod["metadata"]["name"] for pod in ready_target_pods(kubectl)}

        down = stack.down()
        assert down.exit_code == 0, down
        assert f"attached to the deployed service in namespace {NAMESPACE}: nothing was " in (
            down.stderr
        )
        assert not (stack.home / "stacks" / stack.name / "in-cluster-kubeconfig").exists()
    after = kubectl.get("deployment", "target-service", "--namespace", NAMESPACE)
    assert after["metadata"]["uid"] == before["metadata"]["uid"]
    assert after["metadata"]["generation"] == before["metadata"]["generation"]


def test_an_attached_drill_refuses_a_hook_fault_before_any_intent(
    in_a_pod: Path, tmp_path: Path, kubectl: Kubectl
) -> None:
    """The deployed pods check their own admin token, not the one slogate made for the stack:
    `slogate chaos` refuses the latency experiment (inject_latency through the pod proxy)
    before any load or ledger intent, exit 2 naming the file, the activity and what to use."""
    experiment = REPO / "experiments" / "latency-injection.yaml"
    with brought_down(drill(tmp_path, kubectl)) as stack:
        up = stack.up()
        assert up.exit_code == 0, up
        result = stack.cli(
            "chaos", str(experiment), "--stack", stack.name, "--no-load",
            "--skip-steady-state", "--run-dir", str(stack.folder / "run"),
        )  # fmt: skip
        assert result.exit_code == ExitCode.USAGE, result
        assert f"{experiment}: method[0] (delay-api-requests): inject_latency sets its fault " in (
            result.stderr
        )
        assert "(kubernetes.attach: they would answer 401 mid-load)" in result.stderr
        assert "pod-kill (terminate_replicas), or one of rolling_restart, kill_dependency" in (
            result.stderr
        )
        assert "Traceback" not in result.stderr
        assert not (stack.home / "stacks" / stack.name / "ledger.jsonl").exists()


def test_a_missing_or_unready_deployment_exits_2_naming_it(
    in_a_pod: Path, tmp_path: Path, kubectl: Kubectl
) -> None:
    missing = drill(tmp_path / "missing", kubectl, target_deployment="not-deployed")
    result = missing.up()
    assert result.exit_code == ExitCode.USAGE, result
    assert (
        f"Deployment not-deployed in namespace {NAMESPACE} does not exist: kubernetes.attach "
        "gates the service already deployed" in result.stderr
    )
    assert not (missing.home / "stacks" / "drill" / "kubernetes.json").exists()

    kubectl.run("apply", "--filename", "-", stdin=json.dumps(UNREADY_DEPLOYMENT))
    try:
        unready = drill(tmp_path / "unready", kubectl, target_deployment=UNREADY)
        result = unready.up()
        assert result.exit_code == ExitCode.USAGE, result
        assert f"Deployment {UNREADY} in namespace {NAMESPACE} is not ready (0/1 available" in (
            result.stderr
        )
        assert f"kubectl rollout status deployment/{UNREADY} --namespace {NAMESPACE}" in (
            result.stderr
        )
    finally:
        kubectl.run("delete", "deployment", UNREADY, "--namespace", NAMESPACE, "--wait=false")
    assert "Traceback" not in result.stderr


def test_in_a_pod_the_services_are_reached_by_cluster_dns_with_no_port_forward(
    in_a_pod: Path, tmp_path: Path, kubectl: Kubectl
) -> None:
    """With traffic the drill reads the Services' named ports as slogate-chaos (prometheus:http
    is 9090), starts the Prometheus beside its load generator federating the in-cluster one at
    its DNS name (so the client is measurable in a drill), and waits at the cluster DNS names;
    this machine has no cluster DNS, so it ends there (exit 4), having started no kubectl
    (none exists) and left nothing behind, that Prometheus included."""
    stack = drill(tmp_path, kubectl, traffic=True)
    result = stack.up()
    assert result.exit_code == ExitCode.INFRASTRUCTURE, result
    assert (
        f"Prometheus did not answer 200 on /-/ready by cluster DNS "
        f"(http://prometheus.{NAMESPACE}.svc:9090) within 1 s"
    ) in result.stderr
    assert "kubectl" not in result.stderr.split("within 1 s")[0]
    assert not (stack.home / "stacks" / "drill" / "kubernetes.json").exists()
    kubectl.get("deployment", "target-service", "--namespace", NAMESPACE)  # still there
    beside = stack.home / "stacks" / "drill" / "run" / "prometheus-local.yml"
    federate = [j for j in yaml.safe_load(beside.read_text())["scrape_configs"]
                if j["job_name"] == "federate"]  # fmt: skip
    assert federate[0]["static_configs"] == [{"targets": [f"prometheus.{NAMESPACE}.svc:9090"]}]
    assert not [p for p in psutil.process_iter(["cmdline"])
                if str(beside) in " ".join(p.info["cmdline"] or [])]  # fmt: skip


# What the drill's account may do in its namespace (core and apps groups): a read of what
# --attach checks, and the faults of k8s/chaos/ (role.yaml); nothing else.
EXPECTED_RULES = {
    ("", "pods", "get", ""), ("", "pods", "list", ""), ("", "pods", "watch", ""),
    ("", "pods", "delete", ""),
    ("", "pods/proxy", "get", ""), ("", "pods/proxy", "create", ""),
    ("", "pods/proxy", "delete", ""),
    ("", "services", "get", "prometheus,redis,target-service"),
    ("apps", "deployments", "get", ""), ("apps", "deployments", "list", ""),
    ("apps", "deployments", "watch", ""),
    ("apps", "replicasets", "get", ""), ("apps", "replicasets", "list", ""),
    ("apps", "replicasets", "watch", ""),
    ("apps", "deployments", "patch", "target-service"),
    ("apps", "deployments/scale", "get", "redis"), ("apps", "deployments/scale", "update", "redis"),
    ("apps", "deployments/scale", "patch", "redis"),
}  # fmt: skip


def _rules(api: Api) -> set[tuple[str, str, str, str]]:
    review = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview",
              "spec": {"namespace": NAMESPACE}}  # fmt: skip
    found = api.call("POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", body=review)
    rules = set()
    for rule in found["status"]["resourceRules"]:
        for group in rule.get("apiGroups", []):
            if group not in ("", "apps"):
                continue
            names = ",".join(sorted(rule.get("resourceNames", [])))
            rules |= {(group, r, v, names) for r in rule["resources"] for v in rule["verbs"]}
    return rules


def _status(api: Api, method: str, path: str, body: Any = None) -> int:
    try:
        api.call(method, path, query={"dryRun": "All"} if method != "GET" else None, body=body)
    except ApiException as error:
        return int(error.status)
    return 200


def test_the_drills_account_has_exactly_what_the_drill_needs(
    in_a_pod: Path, tmp_path: Path
) -> None:
    config = SlogateConfig.model_validate({"platform": "kubernetes"})
    access = in_cluster.stack_access(config, "rights")
    api = Api(api_client(access))
    namespace = f"/api/v1/namespaces/{NAMESPACE}"
    apps = f"/apis/apps/v1/namespaces/{NAMESPACE}"
    try:
        assert _rules(api) == EXPECTED_RULES
        assert _status(api, "GET", f"{apps}/deployments/target-service") == 200
        for service in ("target-service", "prometheus", "redis"):
            assert _status(api, "GET", f"{namespace}/services/{service}") == 200
        refused = {
            "apply a Deployment": ("POST", f"{apps}/deployments", {
                "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}}),
            "delete the target": ("DELETE", f"{apps}/deployments/target-service", None),
            "delete its Service": ("DELETE", f"{namespace}/services/target-service", None),
            "read the admin token": ("GET", f"{namespace}/secrets/slogate-admin-token", None),
            "read another Service": ("GET", f"{namespace}/services/pushgateway", None),
            "list Services": ("GET", f"{namespace}/services", None),
            "request a token": ("POST", f"{namespace}/serviceaccounts/slogate-chaos/token", {
                "apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}}),
            "scale the target": ("PATCH", f"{apps}/deployments/target-service/scale", None),
        }  # fmt: skip
        answers = {what: _status(api, *call) for what, call in refused.items()}
        assert answers == dict.fromkeys(refused, 403)
    finally:
        api.close()

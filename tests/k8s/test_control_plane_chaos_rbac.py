"""k8s/chaos/: what the chaos ServiceAccount may do, and each refusal, proven on a real API
server (RBAC authorisation and the ValidatingAdmissionPolicy admission plugin)."""

from __future__ import annotations

import ssl

import httpx
import pytest

from tests.k8s.applied import NAMESPACE, Applied
from tests.k8s.controlplane.cluster import ControlPlane
from tests.k8s.controlplane.kubectl import Kubectl
from tests.k8s.target_pods import settled
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("control-plane")]

CHAOS = f"system:serviceaccount:{NAMESPACE}:slogate-chaos"
HTTP_TIMEOUT_S = 5.0
REDIS_TIMEOUT_S = 60


@pytest.fixture
def chaos(deployed: Applied, kubectl: Kubectl) -> Kubectl:
    return kubectl.impersonating(CHAOS)


def can_i(chaos: Kubectl, *arguments: str) -> str:
    result = chaos.run_unchecked("auth", "can-i", *arguments)
    answer = result.stdout.strip()
    assert answer in {"yes", "no"}, f"auth can-i {arguments}: {result.stdout} {result.stderr}"
    return answer


def redis_pods(kubectl: Kubectl) -> list[str]:
    pods = kubectl.get(
        "pods", "--namespace", NAMESPACE, "--selector", "app.kubernetes.io/name=redis"
    )["items"]
    return [pod["metadata"]["name"] for pod in pods if not pod["metadata"].get("deletionTimestamp")]


def test_chaos_may_delete_a_target_pod(chaos: Kubectl, kubectl: Kubectl) -> None:
    victim = settled(kubectl)[0]["metadata"]["name"]
    result = chaos.run("delete", "pod", victim, "--namespace", NAMESPACE, "--wait=false")
    assert f'pod "{victim}" deleted' in result.stdout
    assert victim not in {pod["metadata"]["name"] for pod in settled(kubectl)}


def test_chaos_may_not_delete_the_redis_pod(chaos: Kubectl, kubectl: Kubectl) -> None:
    """RBAC allows deleting pods; the admission policy refuses every one but the target's."""
    (redis,) = wait_until(lambda: redis_pods(kubectl), REDIS_TIMEOUT_S, what="the Redis pod")
    error = chaos.refused("delete", "pod", redis, "--namespace", NAMESPACE, "--wait=false")
    assert "ValidatingAdmissionPolicy 'slogate-chaos-deletes-target-pods-only'" in error, error
    assert (
        "slogate-chaos may delete only pods labelled app.kubernetes.io/name=target-service; "
        f"{redis} is not one"
    ) in error, error
    assert redis_pods(kubectl) == [redis]
    # The policy binds the chaos account only: the administrator is not matched by it.
    check = kubectl.run("delete", "pod", redis, "--namespace", NAMESPACE, "--dry-run=server")
    assert f'pod "{redis}" deleted from {NAMESPACE} namespace (server dry run)' in check.stdout


def test_chaos_may_scale_redis_and_no_other_deployment(chaos: Kubectl, kubectl: Kubectl) -> None:
    error = chaos.refused(
        "scale", "deployment", "target-service", "--replicas=1", "--namespace", NAMESPACE
    )
    assert f'User "{CHAOS}" cannot' in error, error
    assert 'resource "deployments/scale" in API group "apps"' in error, error
    assert (
        kubectl.get("deployment", "target-service", "--namespace", NAMESPACE)["spec"]["replicas"]
        == 3
    )
    try:
        chaos.run("scale", "deployment", "redis", "--replicas=0", "--namespace", NAMESPACE)
        wait_until(lambda: not redis_pods(kubectl), REDIS_TIMEOUT_S, what="Redis scaled to 0")
    finally:
        chaos.run("scale", "deployment", "redis", "--replicas=1", "--namespace", NAMESPACE)
        kubectl.run(
            "rollout", "status", "deployment/redis", "--namespace", NAMESPACE, "--timeout=60s"
        )


def test_chaos_may_restart_the_target_and_change_nothing_else(
    chaos: Kubectl, kubectl: Kubectl
) -> None:
    """`kubectl rollout restart` as the chaos account rolls the target out anew; RBAC refuses
    it every other Deployment, and the admission policy every other change to the target's
    (the image, the replicas, the pod template's other annotations, the Deployment's labels)."""
    before = {pod["metadata"]["name"] for pod in settled(kubectl)}
    generation = kubectl.get("deployment", "target-service", "--namespace", NAMESPACE)["metadata"][
        "generation"
    ]
    chaos.run("rollout", "restart", "deployment/target-service", "--namespace", NAMESPACE)
    kubectl.run(
        "rollout", "status", "deployment/target-service", "--namespace", NAMESPACE,
        f"--timeout={REDIS_TIMEOUT_S}s", timeout=REDIS_TIMEOUT_S + 10,
    )  # fmt: skip
    after = {pod["metadata"]["name"] for pod in settled(kubectl)}
    assert not after & before, "every pod replaced"
    deployment = kubectl.get("deployment", "target-service", "--namespace", NAMESPACE)
    assert deployment["metadata"]["generation"] == generation + 1
    assert (
        "kubectl.kubernetes.io/restartedAt"
        in deployment["spec"]["template"]["metadata"]["annotations"]
    )

    policy = "ValidatingAdmissionPolicy 'slogate-chaos-restarts-deployments-only'"
    template_only = "may change only the pod template annotation kubectl.kubernetes.io/restartedAt"
    beyond = "may not change Deployment target-service beyond restarting it"
    for patch, message in [
        ('{"spec":{"replicas":1}}', beyond),
        ('{"metadata":{"labels":{"owner":"chaos"}}}', beyond),
        ('{"spec":{"strategy":{"rollingUpdate":{"maxUnavailable":3}}}}', beyond),
        ('{"spec":{"template":{"metadata":{"annotations":{"prometheus.io/scrape":"false"}}}}}',
         template_only),
    ]:  # fmt: skip
        error = chaos.refused(
            "patch", "deployment", "target-service", "--namespace", NAMESPACE, "--patch", patch
        )
        assert policy in error and message in error, (patch, error)
    error = chaos.refused(
        "set", "image", "deployment/target-service", "target-service=elsewhere/evil:1",
        "--namespace", NAMESPACE,
    )  # fmt: skip
    assert policy in error and template_only in error, error
    error = chaos.refused("rollout", "restart", "deployment/redis", "--namespace", NAMESPACE)
    assert f'User "{CHAOS}" cannot patch resource "deployments"' in error, error
    unchanged = kubectl.get("deployment", "target-service", "--namespace", NAMESPACE)
    assert unchanged["metadata"]["generation"] == generation + 1
    assert unchanged["spec"]["replicas"] == 3
    assert unchanged["spec"]["template"]["spec"]["containers"][0]["image"] == (
        "slogate/target-service:dev"
    )


@pytest.mark.parametrize("namespace", ["default", "kube-system"])
def test_chaos_may_not_list_pods_in_another_namespace(chaos: Kubectl, namespace: str) -> None:
    error = chaos.refused("get", "pods", "--namespace", namespace)
    assert (
        f'User "{CHAOS}" cannot list resource "pods" in API group "" in the namespace "{namespace}"'
    ) in error, error


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        # the fault hooks, through the API server's pod proxy: in slogate only
        (("create", "pods", "--subresource=proxy", "--namespace", NAMESPACE), "yes"),
        (("get", "pods", "--subresource=proxy", "--namespace", NAMESPACE), "yes"),
        (("create", "pods", "--subresource=proxy", "--namespace", "default"), "no"),
        # one named pod at a time, no pod creation, no evictions
        (("deletecollection", "pods", "--namespace", NAMESPACE), "no"),
        (("create", "pods", "--namespace", NAMESPACE), "no"),
        (("create", "pods", "--subresource=eviction", "--namespace", NAMESPACE), "no"),
        # no changes to Deployments except Redis' scale and the target's restart (a patch the
        # admission policy narrows to the restart annotation: see the test below)
        (("patch", "deployments/target-service", "--namespace", NAMESPACE), "yes"),
        (("update", "deployments/target-service", "--namespace", NAMESPACE), "no"),
        (("delete", "deployments/target-service", "--namespace", NAMESPACE), "no"),
        (("patch", "deployments/redis", "--namespace", NAMESPACE), "no"),
        (("patch", "deployments/other", "--namespace", NAMESPACE), "no"),
        (("patch", "deployments/target-service", "--namespace", "default"), "no"),
        (("patch", "deployments/redis", "--subresource=scale", "--namespace", NAMESPACE), "yes"),
        (("patch", "deployments/target-service", "--subresource=scale", "-n", NAMESPACE), "no"),
        # nothing cluster-wide
        (("list", "nodes"), "no"),
        (("list", "namespaces"), "no"),
        (("create", "validatingadmissionpolicybindings"), "no"),
        (("get", "secrets", "--namespace", NAMESPACE), "no"),
    ],
)
def test_chaos_rights_match_the_experiments(
    chaos: Kubectl, question: tuple[str, ...], answer: str
) -> None:
    assert can_i(chaos, *question) == answer


def test_a_signed_token_of_the_chaos_account_is_accepted_and_scoped(
    deployed: Applied, kubectl: Kubectl, control_plane: ControlPlane
) -> None:
    """Not impersonation: the API server signs a token for the account and authenticates it."""
    token = kubectl.run(
        "create", "token", "slogate-chaos", "--namespace", NAMESPACE, "--duration=10m"
    ).stdout.strip()
    assert token.count(".") == 2, "not a JWT"
    ca = control_plane.pki / "ca.crt"
    context = ssl.create_default_context(cafile=str(ca))
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(
        base_url=control_plane.server, verify=context, headers=headers, timeout=HTTP_TIMEOUT_S
    ) as client:
        review = client.post(
            "/apis/authentication.k8s.io/v1/selfsubjectreviews",
            json={"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
        )
        own = client.get(f"/api/v1/namespaces/{NAMESPACE}/pods")
        other = client.get("/api/v1/namespaces/default/pods")
    assert review.status_code == 201, review.text
    assert review.json()["status"]["userInfo"]["username"] == CHAOS
    assert own.status_code == 200, own.text
    assert len(own.json()["items"]) >= 4
    assert other.status_code == 403, other.text

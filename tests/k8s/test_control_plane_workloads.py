"""The HorizontalPodAutoscaler, the drill CronJobs and the Pushgateway, accepted by a real API
server and seen by their controllers."""

from __future__ import annotations

from typing import Any

import pytest

from tests.k8s.applied import NAMESPACE, Applied
from tests.k8s.controlplane.kubectl import Kubectl
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("control-plane")]

CONTROLLER_TIMEOUT_S = 60


def condition(resource: dict[str, Any], kind: str) -> dict[str, Any] | None:
    for item in resource.get("status", {}).get("conditions", []):
        if item["type"] == kind:
            return dict(item)
    return None


def test_hpa_is_accepted_and_holds_three_replicas_without_a_metrics_server(
    deployed: Applied, kubectl: Kubectl
) -> None:
    """The API server accepts and stores the seed's HPA (CPU 70 %, memory 80 %, 3 to 10
    replicas, scale-up immediate, scale-down after a 5-minute window); its controller reaches
    the Deployment's scale (AbleToScale) but has no figures (no metrics-server here), so it
    scales nothing: 3 replicas stay 3."""

    def seen_by_controller() -> dict[str, Any] | None:
        hpa = kubectl.get("hpa", "target-service", "--namespace", NAMESPACE)
        return hpa if condition(hpa, "ScalingActive") else None

    hpa = wait_until(seen_by_controller, CONTROLLER_TIMEOUT_S, interval=0.5, what="HPA status")
    assert hpa["spec"]["minReplicas"] == 3
    assert hpa["spec"]["maxReplicas"] == 10
    targets = {
        m["resource"]["name"]: (m["resource"]["target"]["type"], m["resource"]["target"][
            "averageUtilization"])
        for m in hpa["spec"]["metrics"]
    }  # fmt: skip
    assert targets == {"cpu": ("Utilization", 70), "memory": ("Utilization", 80)}
    behavior = hpa["spec"]["behavior"]
    assert behavior["scaleUp"]["stabilizationWindowSeconds"] == 0  # immediate
    assert behavior["scaleDown"]["stabilizationWindowSeconds"] == 300  # 5 minutes
    able = condition(hpa, "AbleToScale")
    active = condition(hpa, "ScalingActive")
    assert able is not None and able["status"] == "True", hpa["status"]
    assert active is not None and active["status"] == "False", hpa["status"]
    assert active["reason"] == "FailedGetResourceMetric", active
    assert hpa["status"]["currentReplicas"] == 3
    deployment = kubectl.get("deployment", "target-service", "--namespace", NAMESPACE)
    assert deployment["spec"]["replicas"] == 3


def test_a_job_created_from_the_drill_cronjob_is_admitted(
    deployed: Applied, kubectl: Kubectl
) -> None:
    cronjob = kubectl.get("cronjob", "slogate-drill", "--namespace", NAMESPACE)
    assert cronjob["spec"]["schedule"] == "17 3 * * 1-5"
    assert cronjob["spec"]["timeZone"] == "Etc/UTC"  # the API server validates the zone

    kubectl.run(
        "create", "job", "drill-now", "--from=cronjob/slogate-drill", "--namespace", NAMESPACE
    )

    def pod_of_the_job() -> dict[str, Any] | None:
        pods = kubectl.get(
            "pods", "--namespace", NAMESPACE, "--selector", "batch.kubernetes.io/job-name=drill-now"
        )["items"]
        return pods[0] if pods else None

    pod = wait_until(pod_of_the_job, CONTROLLER_TIMEOUT_S, interval=0.3, what="the drill pod")
    # The Job controller's pod passed PodSecurity "restricted" in the namespace.
    assert pod["spec"]["securityContext"]["runAsUser"] == 10001
    assert pod["spec"]["containers"][0]["command"][:2] == ["slogate", "run"]
    job = kubectl.get("job", "drill-now", "--namespace", NAMESPACE)
    assert job["spec"]["backoffLimit"] == 0
    assert job["metadata"]["ownerReferences"][0]["name"] == "slogate-drill"


TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"


@pytest.mark.parametrize(
    ("cronjob", "account", "token", "claim"),
    [
        ("slogate-drill", "slogate-chaos", True, "slogate-drill-reports"),
        ("slogate-drill-local-stack", "slogate-drill", False, "slogate-drill-local-stack-reports"),
    ],
)
def test_each_drills_pod_runs_as_its_account_with_its_claim(
    deployed: Applied, kubectl: Kubectl, cronjob: str, account: str, token: bool, claim: str
) -> None:
    """A Job from each CronJob gets a pod admitted (PodSecurity restricted) that runs as its
    ServiceAccount: the deployed-service drill as slogate-chaos with the API token the
    ServiceAccount admission plugin mounts, the local-stack drill with none; each writes its
    reports to its own claim, which exists. (kwok runs no container: the drill itself does not
    run here.)"""
    job = f"{cronjob}-now"
    kubectl.run("create", "job", job, f"--from=cronjob/{cronjob}", "--namespace", NAMESPACE)
    try:

        def pod_of_the_job() -> dict[str, Any] | None:
            pods = kubectl.get(
                "pods",
                "--namespace",
                NAMESPACE,
                "--selector",
                f"batch.kubernetes.io/job-name={job}",
            )["items"]
            return pods[0] if pods else None

        pod = wait_until(pod_of_the_job, CONTROLLER_TIMEOUT_S, interval=0.3, what="the drill pod")
        spec = pod["spec"]
        assert spec["serviceAccountName"] == account
        (container,) = spec["containers"]
        mounted = {m["mountPath"] for m in container["volumeMounts"]}
        assert (TOKEN_PATH in mounted) is token, mounted
        projected = [v for v in spec["volumes"] if "projected" in v]
        assert bool(projected) is token
        command = container["command"]
        assert command[:3] == ["slogate", "run", "$(GATE)"]
        assert ("--platform" in command) is token
        if token:
            assert command[command.index("--platform") + 1] == "kubernetes"
        reports = next(v for v in spec["volumes"] if v["name"] == "reports")
        assert reports["persistentVolumeClaim"]["claimName"] == claim
        assert kubectl.get("pvc", claim, "--namespace", NAMESPACE)["metadata"]["name"] == claim
        kubectl.get("serviceaccount", account, "--namespace", NAMESPACE)
    finally:
        kubectl.run("delete", "job", job, "--namespace", NAMESPACE, "--wait=false")


def test_the_pushgateway_is_rolled_out_behind_its_service(
    deployed: Applied, kubectl: Kubectl
) -> None:
    deployment = kubectl.get("deployment", "pushgateway", "--namespace", NAMESPACE)
    assert deployment["status"]["availableReplicas"] == 1
    service = kubectl.get("service", "pushgateway", "--namespace", NAMESPACE)
    assert [(p["port"], p["targetPort"]) for p in service["spec"]["ports"]] == [(9091, "http")]
    endpoints = kubectl.get(
        "endpointslices", "--namespace", NAMESPACE,
        "--selector", "kubernetes.io/service-name=pushgateway",
    )["items"]  # fmt: skip
    ready = [e for s in endpoints for e in s.get("endpoints") or [] if e["conditions"]["ready"]]
    assert len(ready) == 1

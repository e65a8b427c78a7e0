"""Chaos on `platform: kubernetes` against the real control plane: a pod kill through
chaostoolkit-kubernetes' terminate_pods, a rolling restart (its rollout_deployment), the Redis
outage (its Deployment scaled to 0 and back), each in the fault ledger, rolled back from the
ledger alone and swept by the next run; and the identity chaos acts as refused what
k8s/chaos/ forbids. Pods are simulated by kwok: the ReplicaSet's replacement is real, a pod's
traffic is not."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from chaosk8s.pod.actions import terminate_pods
from chaoslib.exceptions import ActivityFailed
from kubernetes.client.exceptions import ApiException

from slogate.chaos import actions
from slogate.chaos.ledger import FaultEvent, FaultLedger
from slogate.chaos.rollback import roll_back_faults
from slogate.errors import UsageError
from slogate.platform.kubernetes.chaos_identity import chaos_api
from slogate.platform.kubernetes.deadline import kubeconfig_in_environment
from slogate.platform.kubernetes.pod_proxy import post_fault
from slogate.platform.kubernetes.record import load_record
from slogate.platform.kubernetes.restart import RESTARTED_AT
from slogate.platform.kubernetes.scale import set_replicas
from slogate.platform.registry import platform_for
from slogate.platform.state import require_state
from tests.k8s.applied import Applied
from tests.k8s.controlplane.cluster import ControlPlane
from tests.k8s.controlplane.kubectl import Kubectl
from tests.k8s.kubernetes_stack import KubernetesStack, brought_down, write_stack
from tests.k8s.target_pods import REPLICAS
from tests.support.cli import REPO, slogate_home
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("control-plane")]

REDIS = "app.kubernetes.io/name=redis"
REDIS_TIMEOUT_S = 60


@pytest.fixture
def stack(
    tmp_path: Path, control_plane: ControlPlane, kubectl: Kubectl, deployed: Applied
) -> Iterator[KubernetesStack]:
    with brought_down(write_stack(tmp_path, control_plane, kubectl)) as stack:
        result = stack.up()
        assert result.exit_code == 0, result
        yield stack


def ledger(stack: KubernetesStack) -> list[dict[str, Any]]:
    lines = (stack.home / "stacks" / stack.name / "ledger.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def redis_replicas(stack: KubernetesStack) -> int:
    return int(stack.get("deployment", "redis")["spec"]["replicas"])


def redis_pods(stack: KubernetesStack) -> list[str]:
    return [
        pod["metadata"]["name"]
        for pod in stack.pods(REDIS)
        if not pod["metadata"].get("deletionTimestamp")
    ]


def kill_redis(stack: KubernetesStack, run_id: str, ttl_s: float) -> None:
    """The dependency outage as the experiment's activity does it, in this process."""
    configuration = {"slogate_stack": stack.name, "slogate_run_id": run_id}
    with slogate_home(stack.home):
        actions.kill_dependency(name="redis", ttl_s=ttl_s, configuration=configuration)
    assert redis_replicas(stack) == 0
    wait_until(lambda: not redis_pods(stack), REDIS_TIMEOUT_S, what="Redis scaled to 0")


def test_pod_kill_deletes_a_target_pod_through_terminate_pods(stack: KubernetesStack) -> None:
    before = {pod["metadata"]["name"] for pod in stack.settled_target()}
    result = stack.cli(
        "chaos", str(REPO / "experiments" / "pod-kill.yaml"), "--stack", stack.name,
        "--platform", "kubernetes", "--no-load", "--skip-steady-state",
        "--run-dir", str(stack.folder / "run"),
    )  # fmt: skip
    assert result.exit_code == 0, result
    assert "pod-kill: PASS" in result.stdout
    entries = [e for e in ledger(stack) if e["kind"] == "replica_kill"]
    assert [e["event"] for e in entries][:2] == ["intent", "applied"]
    victim = entries[0]["target"]
    assert victim in before
    assert entries[1]["rollback"]["detail"] == {"pod": victim, "healed_by": "replicaset"}
    after = {pod["metadata"]["name"] for pod in stack.settled_target()}
    assert victim not in after
    assert len(after) == REPLICAS and len(after - before) == 1  # the ReplicaSet's replacement
    journal = json.loads((stack.folder / "run" / "journal.json").read_text())
    assert journal["run"][0]["output"] == [victim]


def test_a_graceful_terminate_is_a_pod_delete_the_replicaset_heals(
    stack: KubernetesStack,
) -> None:
    """terminate_replicas(graceful=True) deletes the pod with its own grace period (kwok
    removes it at once: no preStop runs here) and records a fault the platform heals."""
    before = {pod["metadata"]["name"] for pod in stack.settled_target()}
    configuration = {"slogate_stack": stack.name, "slogate_run_id": "graceful"}
    with slogate_home(stack.home):
        (victim,) = actions.terminate_replicas(count=1, configuration=configuration)
    assert victim in before
    (intent, applied) = [e for e in ledger(stack) if e["kind"] == "replica_delete"]
    assert (intent["event"], applied["event"], applied["target"]) == ("intent", "applied", victim)
    assert applied["rollback"]["via"] == "none"
    after = {pod["metadata"]["name"] for pod in stack.settled_target()}
    assert victim not in after and len(after) == REPLICAS


def test_redis_outage_is_rolled_back_from_the_ledger_by_the_next_runs_sweep(
    stack: KubernetesStack,
) -> None:
    """A run that scaled Redis to 0 and died: the next `slogate chaos` on the stack, which
    never saw the fault, restores it from the ledger alone before its own experiment."""
    kill_redis(stack, run_id="died", ttl_s=600)
    (fault,) = [e for e in ledger(stack) if e["event"] == "applied"]
    assert fault["rollback"]["via"] == "kubernetes_scale"
    assert fault["rollback"]["detail"]["replicas"] == 1
    assert fault["rollback"]["ttl_at_injector"] is False
    status = stack.cli("status", "--stack", stack.name)
    assert "part=redis port=- pid=- running=True ready=0/0 restarts=0 faults=dependency_kill" in (
        status.stdout
    )

    result = stack.cli(
        "chaos", str(REPO / "experiments" / "pod-kill.yaml"), "--stack", stack.name,
        "--no-load", "--skip-steady-state", "--run-dir", str(stack.folder / "run"),
    )  # fmt: skip
    assert result.exit_code == 0, result
    assert "swept leftovers of earlier runs: 1 rolled back, 0 expired" in result.stdout
    assert redis_replicas(stack) == 1
    wait_until(lambda: redis_pods(stack), REDIS_TIMEOUT_S, what="Redis back")
    closing = [e for e in ledger(stack) if e["fault_id"] == fault["fault_id"]][-1]
    assert closing["event"] == FaultEvent.ROLLED_BACK
    assert closing["message"] == "Deployment redis scaled back to 1"


def test_a_redis_outage_past_its_ttl_is_still_restored(stack: KubernetesStack) -> None:
    """No injector ends a scale-to-0 at its TTL, so the rollback never just closes it as
    expired: it scales Redis back even long after the TTL."""
    kill_redis(stack, run_id="late", ttl_s=1)
    # a second outage on top would record 0 as the count to restore: refused before its intent
    entries = ledger(stack)
    configuration = {"slogate_stack": stack.name, "slogate_run_id": "late"}
    with slogate_home(stack.home), pytest.raises(ActivityFailed, match="already scaled to 0"):
        actions.kill_dependency(name="redis", ttl_s=5, configuration=configuration)
    assert ledger(stack) == entries
    with slogate_home(stack.home):
        report = roll_back_faults(FaultLedger(stack.name), stack.name, now=time.time() + 3600)
    assert report.expired == [] and len(report.closed) == 1 and report.errors == []
    assert redis_replicas(stack) == 1


def test_down_rolls_back_an_open_outage_first(stack: KubernetesStack) -> None:
    kill_redis(stack, run_id="left-open", ttl_s=600)
    result = stack.down()
    assert result.exit_code == 0, result
    assert "rolled back fault" in result.stdout
    assert not stack.namespace_exists()


def test_the_chaos_identity_is_refused_what_k8s_chaos_forbids(stack: KubernetesStack) -> None:
    """slogate's chaos calls run as the namespace's slogate-chaos account (the kubeconfig `up`
    wrote): the admission policy refuses it the Redis pod, RBAC another Deployment's scale."""
    with slogate_home(stack.home):
        record = load_record(stack.name)
        state = require_state(stack.name)
    assert record is not None and record.chaos_kubeconfig is not None
    (redis,) = wait_until(lambda: redis_pods(stack), REDIS_TIMEOUT_S, what="the Redis pod")
    with kubeconfig_in_environment(record.chaos_kubeconfig), pytest.raises(ApiException) as refused:
        terminate_pods(label_selector=REDIS, ns=stack.namespace)
    assert refused.value.status == 403
    assert "ValidatingAdmissionPolicy 'slogate-chaos-deletes-target-pods-only'" in str(
        refused.value.body
    )
    assert f"{redis} is not one" in str(refused.value.body)
    assert redis_pods(stack) == [redis]

    # the backend never names a pod that is not the target's
    with slogate_home(stack.home):
        backend = platform_for("kubernetes").chaos_backend(
            state, FaultLedger(stack.name), "refused", None
        )
        with pytest.raises(ActivityFailed, match="is not available on Kubernetes"):
            backend.process_fault(redis, "kill", 5, kind="replica_kill")

    api = chaos_api(record)
    try:
        with pytest.raises(UsageError, match=r"scaling Deployment target-service .* forbidden"):
            set_replicas(api, stack.namespace, "target-service", 1)
    finally:
        api.close()
    assert int(stack.get("deployment", "target-service")["spec"]["replicas"]) == REPLICAS


def test_rolling_restart_rolls_the_deployment_out_anew_and_closes_its_fault(
    stack: KubernetesStack,
) -> None:
    """`kubectl rollout restart` as the chaos identity: the restartedAt annotation set through
    chaostoolkit-kubernetes, every pod replaced by a new ReplicaSet's (kwok readies them, so
    the rollout really completes), the fault opened before the patch and closed as healed.

    The shipped experiment first slows 2 % of requests through the target's fault hooks,
    which a kwok pod cannot serve (see the pod-proxy test below): this runs its restart
    action and rollback alone, through `slogate chaos` all the same."""
    shipped = yaml.safe_load((REPO / "experiments" / "rolling-restart.yaml").read_text())
    (restart,) = [a for a in shipped["method"] if a["name"] == "restart-replicas-one-by-one"]
    experiment = stack.folder / "restart-only.yaml"
    experiment.write_text(yaml.safe_dump({**shipped, "method": [restart]}))
    before = {pod["metadata"]["name"] for pod in stack.settled_target()}
    generation = stack.get("deployment", "target-service")["metadata"]["generation"]
    result = stack.cli(
        "chaos", str(experiment), "--stack", stack.name,
        "--no-load", "--skip-steady-state", "--run-dir", str(stack.folder / "run"),
    )  # fmt: skip
    assert result.exit_code == 0, result
    deployment = stack.get("deployment", "target-service")
    assert deployment["metadata"]["generation"] == generation + 1
    assert RESTARTED_AT in deployment["spec"]["template"]["metadata"]["annotations"]
    after = {pod["metadata"]["name"] for pod in stack.settled_target()}
    assert not after & before, "every pod replaced"
    entries = [e for e in ledger(stack) if e["kind"] == "replica_restart"]
    assert [e["event"] for e in entries] == ["intent", "applied", "rolled_back"]
    assert {e["target"] for e in entries} == {"target-service"}
    assert entries[0]["rollback"] == {
        "via": "none", "url": None, "injector_id": None, "ttl_at_injector": True,
        "detail": {"deployment": "target-service", "healed_by": "deployment"},
    }  # fmt: skip
    assert entries[2]["message"].startswith("rolled out in ")
    journal = json.loads((stack.folder / "run" / "journal.json").read_text())
    (output,) = journal["run"][0]["output"]
    assert output["deployment"] == "target-service"
    assert sorted(output["replaced"]) == sorted(before)
    assert 0 < output["ready_after_s"] < 60


def test_a_restart_that_does_not_roll_out_in_time_stays_open_until_rolled_back(
    stack: KubernetesStack, control_plane: ControlPlane
) -> None:
    """The activity fails when the rollout is not complete within its timeout; the fault stays
    open (nothing undoes a restart) and the rollback closes it with nothing to remove.

    kwok is held still during the activity, so no new pod turns Ready and the rollout cannot
    complete however long the activity takes to read it (unpaused, kwok can finish a restart
    before the first read, and the activity succeeds)."""
    stack.settled_target()
    configuration = {"slogate_stack": stack.name, "slogate_run_id": "slow"}
    with (
        control_plane.paused("kwok"),
        slogate_home(stack.home),
        pytest.raises(ActivityFailed, match="rollout not complete"),
    ):
        actions.rolling_restart(ready_timeout_s=0.001, configuration=configuration)
    with slogate_home(stack.home):
        (fault,) = FaultLedger(stack.name).open_faults("slow")
        assert (fault.kind, fault.state) == ("replica_restart", FaultEvent.APPLIED)
        report = roll_back_faults(
            FaultLedger(stack.name), stack.name, run_id="slow", now=fault.applied_at
        )
    assert report.closed == [fault.fault_id] and report.errors == []
    closing = [e for e in ledger(stack) if e["fault_id"] == fault.fault_id][-1]
    assert (closing["event"], closing["message"]) == ("rolled_back", "nothing to remove")
    stack.settled_target()  # the rollout itself went on and completes


def test_fault_hooks_go_through_the_pod_proxy_as_the_chaos_identity(
    stack: KubernetesStack, deployed: Applied
) -> None:
    """The real API server's half of the fault hooks (the replica's half is in
    test_kubernetes_fault_hooks.py, behind a fake API server): the chaos identity's call
    reaches the pod proxy of its own namespace's pod, which cannot answer (kwok runs no
    container), so the activity fails and the ledger says so; RBAC refuses it another
    namespace's pod proxy."""
    victim = stack.settled_target()[0]["metadata"]["name"]
    configuration = {"slogate_stack": stack.name, "slogate_run_id": "hooks"}
    with slogate_home(stack.home), pytest.raises(ActivityFailed) as failed:
        actions.inject_latency(fixed_ms=100, ttl_s=30, configuration=configuration)
    assert "fault on pod " in str(failed.value)
    assert "through the API server's pod proxy" in str(failed.value)
    assert 'cannot create resource "pods/proxy"' not in str(failed.value)  # RBAC let it pass
    entries = [e for e in ledger(stack) if e["run_id"] == "hooks"]
    assert [e["event"] for e in entries] == ["intent", "failed"]
    assert entries[0]["kind"] == "latency"
    assert entries[0]["rollback"]["via"] == "kubernetes_pod_proxy"
    assert entries[0]["rollback"]["detail"]["port"] == 8000
    assert victim in {pod["metadata"]["name"] for pod in stack.pods()}

    with slogate_home(stack.home):
        record = load_record(stack.name)
        token = (stack.home / "stacks" / stack.name / "admin-token").read_text()
    assert record is not None
    other = json.loads(
        stack.kubectl.run(
            "get", "pods", "--namespace", "slogate", "--selector", "app.kubernetes.io/name=redis",
            "--output=json",
        ).stdout
    )["items"][0]["metadata"]["name"]  # fmt: skip
    api = chaos_api(record)
    try:
        with pytest.raises(UsageError) as refused:
            post_fault(api, "slogate", other, 6379, {"kind": "latency"}, token)
    finally:
        api.close()
    assert 'cannot create resource "pods/proxy" in API group "" in the namespace "slogate"' in (
        str(refused.value)
    )

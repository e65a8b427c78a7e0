"""Chaos Mesh's NetworkChaos on `platform: kubernetes`, against the real control plane with
Chaos Mesh's own NetworkChaos CRD (from its Go module, fetched once by
scripts/build-control-plane.sh; tools/chaos-mesh/crds.env): slogate's network fault and the
Redis hang create the object with the target's selector, the action and the TTL as its
`duration`, the intent in the ledger before the create; the rollback (from the ledger alone)
and the next run's sweep delete it; the API server's schema refuses a malformed spec; the
chaos ServiceAccount may create, read and delete NetworkChaos and nothing more; and without the
CRD a run that needs it is refused before anything (exit 2, naming the CRD).

No Chaos Mesh controller runs here (no container runtime: pods are simulated by kwok), so the
objects are stored and validated but never act on a pod, and nothing ends them at their
`duration`: the rollback's DELETE is what removes them. slogate records a NetworkChaos applied
only once Chaos Mesh reports it injected (`status.conditions[AllInjected]`): the tests play
the controller (fake controller: no Chaos Mesh controller can run here), a thread that sets
that condition on each object slogate creates (the CRD has no status subresource: on the
object itself); without it the activity fails and the object is deleted."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from chaoslib.exceptions import ActivityFailed

from slogate.chaos import actions
from slogate.chaos.ledger import FaultLedger
from slogate.chaos.rollback import roll_back_faults
from slogate.errors import UsageError
from slogate.platform.kubernetes import chaos_mesh
from slogate.platform.kubernetes.chaos_identity import chaos_api
from slogate.platform.kubernetes.record import load_record
from slogate.platform.registry import platform_for
from slogate.platform.state import require_state
from tests.k8s.applied import NAMESPACE, Applied
from tests.k8s.controlplane.binaries import BinariesMissing, find_chaos_mesh_crds
from tests.k8s.controlplane.cluster import ControlPlane
from tests.k8s.controlplane.kubectl import Kubectl
from tests.k8s.kubernetes_stack import KubernetesStack, brought_down, write_stack
from tests.support.cli import REPO, slogate_home
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("control-plane")]

CRD_NAME = "networkchaos.chaos-mesh.org"
CRD_TIMEOUT_S = 60
TARGET_LABELS = {"app.kubernetes.io/name": "target-service"}
CHAOS = f"system:serviceaccount:{NAMESPACE}:slogate-chaos"


def served(kubectl: Kubectl) -> bool:
    return kubectl.run_unchecked("get", "--raw", "/apis/chaos-mesh.org/v1alpha1").returncode == 0


@pytest.fixture(scope="module")
def crd_removed_after(kubectl: Kubectl) -> Iterator[None]:
    """The shared control plane is left without the CRD, as the other modules expect it."""
    yield
    kubectl.run("delete", "crd", CRD_NAME, "--ignore-not-found", timeout=CRD_TIMEOUT_S)


@pytest.fixture
def without_chaos_mesh(kubectl: Kubectl, crd_removed_after: None) -> None:
    kubectl.run("delete", "crd", CRD_NAME, "--ignore-not-found", timeout=CRD_TIMEOUT_S)
    wait_until(lambda: not served(kubectl), CRD_TIMEOUT_S, what="NetworkChaos not served")


@pytest.fixture
def with_chaos_mesh(kubectl: Kubectl, crd_removed_after: None) -> None:
    """Chaos Mesh's NetworkChaos CRD, applied, Established and served."""
    if served(kubectl):
        return
    try:
        folder = find_chaos_mesh_crds()
    except BinariesMissing as error:
        pytest.fail(str(error), pytrace=False)
    crd = folder / "chaos-mesh.org_networkchaos.yaml"
    kubectl.run("apply", "--server-side", "--filename", str(crd))
    kubectl.run(
        "wait", "--for=condition=Established", f"--timeout={CRD_TIMEOUT_S}s", f"crd/{CRD_NAME}",
        timeout=CRD_TIMEOUT_S + 10,
    )  # fmt: skip
    wait_until(lambda: served(kubectl), CRD_TIMEOUT_S, what="NetworkChaos served")


INJECTED = {  # what Chaos Mesh's controller writes once every selected pod is disturbed
    "status": {
        "experiment": {"desiredPhase": "Run"},
        "conditions": [{"type": "AllInjected", "status": "True"}],
    }
}


@pytest.fixture
def fake_controller(
    with_chaos_mesh: None, kubectl: Kubectl, stack: KubernetesStack
) -> Iterator[dict[str, float]]:
    """Fake controller (no Chaos Mesh controller can run here): watches the stack's namespace
    (`kubectl get --watch`) and marks each NetworkChaos injected as soon as it is seen;
    yields {name: when it was marked}."""
    marked: dict[str, float] = {}
    refused: list[str] = []
    watch = subprocess.Popen(
        kubectl.command(
            "get", "networkchaos.chaos-mesh.org", "--namespace", stack.namespace, "--watch",
            "--output", "name", "--request-timeout=0",
        ),
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip

    def play() -> None:
        assert watch.stdout is not None
        for line in watch.stdout:
            name = line.strip().rpartition("/")[2]
            if not name or name in marked:
                continue
            patched = kubectl.run_unchecked(
                "patch", "networkchaos.chaos-mesh.org", name, "--namespace", stack.namespace,
                "--type=merge", "--patch", json.dumps(INJECTED), timeout=30,
            )  # fmt: skip
            if patched.returncode == 0:
                marked[name] = time.time()
            elif "NotFound" not in patched.stderr:  # deleted meanwhile: fine
                refused.append(patched.stderr)

    thread = threading.Thread(target=play, name="fake-chaos-mesh", daemon=True)
    thread.start()
    try:
        yield marked
    finally:
        watch.kill()
        watch.wait(timeout=30)
        thread.join(timeout=60)
        if watch.stdout is not None:
            watch.stdout.close()
    assert refused == [], refused


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory,
    control_plane: ControlPlane,
    kubectl: Kubectl,
    deployed: Applied,
) -> Iterator[KubernetesStack]:
    """One stack for the module (its `up` is the slow part); each test leaves no fault."""
    folder = tmp_path_factory.mktemp("chaos-mesh")
    with brought_down(write_stack(folder, control_plane, kubectl)) as stack:
        result = stack.up()
        assert result.exit_code == 0, result
        yield stack


def entries(stack: KubernetesStack) -> list[dict[str, Any]]:
    path = stack.home / "stacks" / stack.name / "ledger.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def ledger(stack: KubernetesStack, run_id: str) -> list[dict[str, Any]]:
    return [e for e in entries(stack) if e["run_id"] == run_id]


def network_chaos(stack: KubernetesStack) -> dict[str, dict[str, Any]]:
    items = stack.get("networkchaos.chaos-mesh.org")["items"]
    return {str(item["metadata"]["name"]): item for item in items}


def configuration(stack: KubernetesStack, run_id: str) -> dict[str, str]:
    return {"slogate_stack": stack.name, "slogate_run_id": run_id}


def test_without_chaos_mesh_a_run_that_needs_it_is_refused_before_anything(
    without_chaos_mesh: None, stack: KubernetesStack
) -> None:
    """The shipped dependency-outage experiment hangs Redis: on a cluster without the CRD,
    `slogate chaos` refuses it before its sweep, load or first intent, naming the CRD and the
    alternative; the activity itself refuses the same way (before its intent)."""
    result = stack.cli(
        "chaos", str(REPO / "experiments" / "dependency-outage.yaml"), "--stack", stack.name,
        "--no-load", "--skip-steady-state", "--run-dir", str(stack.folder / "refused"),
    )  # fmt: skip
    assert result.exit_code == 2, result
    message = result.stderr
    assert "dependency-outage.yaml" in message and "method[0] (hang-redis)" in message, message
    assert f"does not serve {CRD_NAME}" in message
    assert "use kill_dependency (the dependency-outage experiment scales Redis to 0)" in message
    assert "Traceback" not in message
    assert not (stack.folder / "refused" / "journal.json").exists()
    with slogate_home(stack.home), pytest.raises(ActivityFailed, match=CRD_NAME):
        actions.disturb_network(
            action="delay", latency_ms=100, ttl_s=30, configuration=configuration(stack, "none")
        )
    assert ledger(stack, "none") == []


def test_network_delay_and_redis_hang_are_network_chaos_rolled_back_from_the_ledger(
    fake_controller: dict[str, float], stack: KubernetesStack
) -> None:
    with slogate_home(stack.home):
        delay_id = actions.disturb_network(
            action="delay", latency_ms=250, jitter_ms=12.5, ttl_s=90,
            configuration=configuration(stack, "net"),
        )  # fmt: skip
        hang_id = actions.hang_dependency(
            name="redis", ttl_s=2.5, configuration=configuration(stack, "net")
        )
    entries = ledger(stack, "net")
    assert [(e["fault_id"], e["event"]) for e in entries] == [
        (delay_id, "intent"), (delay_id, "applied"), (hang_id, "intent"), (hang_id, "applied"),
    ]  # fmt: skip
    assert [e["kind"] for e in entries[::2]] == ["network_delay", "dependency_hang"]
    delay_name = entries[1]["rollback"]["injector_id"]
    hang_name = entries[3]["rollback"]["injector_id"]
    assert entries[0]["rollback"]["via"] == "chaos_mesh"
    assert entries[0]["rollback"]["ttl_at_injector"] is False
    assert entries[0]["rollback"]["detail"]["name"] == delay_name  # known before the create
    # applied once (fake) Chaos Mesh reported it injected; expiring a TTL after that
    assert entries[1]["ts"] >= fake_controller[delay_name] > entries[0]["ts"]
    assert entries[3]["ts"] >= fake_controller[hang_name] > entries[2]["ts"]
    assert entries[1]["expires_at"] - entries[1]["ts"] == pytest.approx(90, abs=0.5)
    assert entries[3]["expires_at"] - entries[3]["ts"] == pytest.approx(2.5, abs=0.5)
    objects = network_chaos(stack)
    assert set(objects) == {delay_name, hang_name}
    selector = {"namespaces": [stack.namespace], "labelSelectors": TARGET_LABELS}
    delay = objects[delay_name]["spec"]
    assert delay == {
        "action": "delay", "mode": "all", "selector": selector, "duration": "90s",
        "direction": "to", "delay": {"latency": "250ms", "jitter": "12.5ms"},
    }  # fmt: skip
    redis = {"namespaces": [stack.namespace], "labelSelectors": {"app.kubernetes.io/name": "redis"}}
    hang = objects[hang_name]["spec"]
    assert hang == {
        "action": "partition", "mode": "all", "selector": selector, "duration": "2500ms",
        "direction": "both", "target": {"mode": "all", "selector": redis},
    }  # fmt: skip
    assert objects[hang_name]["metadata"]["labels"] == {"app.kubernetes.io/managed-by": "slogate"}

    # past their TTL Chaos Mesh has ended the faults, but the objects stay: still deleted
    with slogate_home(stack.home):
        report = roll_back_faults(
            FaultLedger(stack.name), stack.name, run_id="net", now=time.time() + 3600
        )
    assert sorted(report.closed) == sorted([delay_id, hang_id]) and report.errors == []
    assert network_chaos(stack) == {}
    closing = {e["fault_id"]: e["message"] for e in ledger(stack, "net")[4:]}
    assert closing == {
        delay_id: f"NetworkChaos {delay_name} deleted",
        hang_id: f"NetworkChaos {hang_name} deleted",
    }


def test_the_sweep_deletes_a_leftover_and_chaos_toolkit_creates_one_the_runner_removes(
    fake_controller: dict[str, float], stack: KubernetesStack
) -> None:
    """A run that died left a NetworkChaos; the next `slogate chaos` sweeps it from the ledger
    alone, its Chaos Toolkit child creates its own loss fault, and the runner deletes that one
    from the ledger (the experiment has no rollbacks of its own)."""
    with slogate_home(stack.home):
        actions.disturb_network(
            action="loss", loss_percent=30, ttl_s=600, configuration=configuration(stack, "died")
        )
    (leftover,) = network_chaos(stack)
    experiment = {
        "version": "1.0.0", "title": "network-loss", "description": "30 % packet loss",
        "configuration": {
            "slogate_stack": {"type": "env", "key": "SLOGATE_STACK", "default": "default"},
            "slogate_run_id": {"type": "env", "key": "SLOGATE_RUN_ID", "default": "manual"},
        },
        "method": [{
            "type": "action", "name": "lose-packets-to-redis",
            "provider": {
                "type": "python", "module": "slogate.chaos.actions", "func": "disturb_network",
                "arguments": {"action": "loss", "loss_percent": 100, "peer": "redis", "ttl_s": 30},
            },
        }],
    }  # fmt: skip
    path = stack.folder / "network-loss.yaml"
    path.write_text(yaml.safe_dump(experiment))
    run_dir = stack.folder / "loss-run"
    result = stack.cli(
        "chaos", str(path), "--stack", stack.name, "--no-load", "--skip-steady-state",
        "--run-dir", str(run_dir),
    )  # fmt: skip
    assert result.exit_code == 0, result
    assert "swept leftovers of earlier runs: 1 rolled back, 0 expired" in result.stdout
    assert network_chaos(stack) == {}
    swept = ledger(stack, "died")[-1]
    assert (swept["event"], swept["message"]) == ("rolled_back", f"NetworkChaos {leftover} deleted")
    journal = json.loads((run_dir / "journal.json").read_text())
    fault_id = journal["run"][0]["output"]
    events = [e for e in entries(stack) if e["fault_id"] == fault_id]
    assert [e["event"] for e in events] == ["intent", "applied", "rolled_back"]
    spec = events[0]["rollback"]["detail"]["spec"]
    assert (spec["action"], spec["loss"], spec["duration"]) == ("loss", {"loss": "100"}, "30s")
    assert spec["target"]["selector"]["labelSelectors"] == {"app.kubernetes.io/name": "redis"}
    assert events[2]["message"].startswith("NetworkChaos slogate-network-loss-")


def test_a_network_chaos_chaos_mesh_never_injects_fails_and_is_deleted(
    with_chaos_mesh: None, stack: KubernetesStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nobody injects (a controller that is down, a selector matching no pod): the object is
    stored but the fault never acts, so the activity fails (it would otherwise let a gate
    PASS an undisturbed service), naming the object, the condition seen and the fix; the
    object is deleted and the ledger says failed, nothing open."""
    monkeypatch.setattr(chaos_mesh, "INJECTED_DEADLINE_S", 1.0)
    with slogate_home(stack.home), pytest.raises(ActivityFailed) as failed:
        actions.hang_dependency(name="redis", ttl_s=30, configuration=configuration(stack, "idle"))
    message = str(failed.value)
    assert "NetworkChaos slogate-dependency-hang-" in message, message
    assert "not injected within 1 s (condition AllInjected: absent)" in message
    assert "is Chaos Mesh's controller running" in message
    assert "kubernetes.target_selector" in message and "the object was deleted" in message
    assert [e["event"] for e in ledger(stack, "idle")] == ["intent", "failed"]
    assert network_chaos(stack) == {}
    with slogate_home(stack.home):
        assert FaultLedger(stack.name).open_faults("idle") == []


def test_the_api_servers_schema_refuses_a_malformed_network_chaos(
    with_chaos_mesh: None, stack: KubernetesStack
) -> None:
    """Chaos Mesh's CRD (not a check of slogate's) refuses an unknown action and a latency that
    is no Go duration; the refused fault's intent was recorded before the create, then
    `failed`, and nothing is left open or in the cluster."""
    with slogate_home(stack.home):
        state = require_state(stack.name)
        record = load_record(stack.name)
        backend = platform_for("kubernetes").chaos_backend(
            state, FaultLedger(stack.name), "malformed", None
        )
        with pytest.raises(ActivityFailed) as refused:
            backend.disturb_network({"action": "jam", "direction": "to"}, 30)
    assert 'Unsupported value: "jam"' in str(refused.value), refused.value
    assert [e["event"] for e in ledger(stack, "malformed")] == ["intent", "failed"]
    assert record is not None
    body = chaos_mesh.network_chaos(
        "slogate-malformed", stack.namespace, TARGET_LABELS, "delay", 30,
        {"delay": {"latency": "300 ms"}},
    )  # fmt: skip
    api = chaos_api(record)
    try:
        with pytest.raises(UsageError) as invalid:
            chaos_mesh.create(api, body)
    finally:
        api.close()
    assert "spec.delay.latency" in str(invalid.value), invalid.value
    assert network_chaos(stack) == {}


REFUSED_NETWORK_CHAOS = {
    "on prometheus": ({"app.kubernetes.io/name": "prometheus"}, None, "all", "selects others"),
    "another namespace": (TARGET_LABELS, "default", "all", "selects others"),
    "one pod only": (TARGET_LABELS, None, "one", "selects others"),
    "towards prometheus": (TARGET_LABELS, None, "all", "aims elsewhere"),
}


def test_the_admission_policy_admits_slogates_network_chaos_and_refuses_others(
    with_chaos_mesh: None, stack: KubernetesStack
) -> None:
    """RBAC cannot look into a NetworkChaos; the ValidatingAdmissionPolicy
    slogate-chaos-network-faults-on-target-only (k8s/chaos/) admits, from the chaos account,
    only slogate's own objects (every target pod, towards Redis' at most, in its namespace;
    the ones slogate writes are admitted in the tests above) and refuses a partition of
    Prometheus, of another namespace's pods, of one pod (mode `one`) and towards Prometheus."""
    with slogate_home(stack.home):
        record = load_record(stack.name)
    assert record is not None and record.chaos_kubeconfig
    api = chaos_api(record)
    refused: dict[str, str] = {}
    try:
        own = chaos_mesh.network_chaos(
            "slogate-admitted", stack.namespace, TARGET_LABELS, "partition", 30, {},
            direction="both", peer={"app.kubernetes.io/name": "redis"},
        )  # fmt: skip
        chaos_mesh.create(api, own)
        assert chaos_mesh.delete(api, stack.namespace, "slogate-admitted").endswith("deleted")
        for case, (labels, namespace, mode, _) in REFUSED_NETWORK_CHAOS.items():
            body = chaos_mesh.network_chaos(
                f"slogate-refused-{len(refused)}", stack.namespace, labels, "partition", 30, {},
                direction="both", peer={"app.kubernetes.io/name": "redis"},
            )  # fmt: skip
            body["spec"]["mode"] = mode
            if namespace is not None:
                body["spec"]["selector"]["namespaces"] = [namespace]
            if case == "towards prometheus":
                body["spec"]["target"]["selector"]["labelSelectors"] = {
                    "app.kubernetes.io/name": "prometheus"
                }
            with pytest.raises(UsageError) as error:
                chaos_mesh.create(api, body)
            refused[case] = str(error.value)
    finally:
        api.close()
    for case, message in refused.items():
        assert "slogate-chaos-network-faults-on-target-only" in message, (case, message)
        assert REFUSED_NETWORK_CHAOS[case][3] in message, (case, message)
    assert network_chaos(stack) == {}


def test_the_chaos_account_may_create_read_and_delete_network_chaos_only(
    with_chaos_mesh: None, deployed: Applied, kubectl: Kubectl
) -> None:
    """Its rights on Chaos Mesh's kinds, as the API server lists them: NetworkChaos in its own
    namespace (create, get, list, delete: no update, patch or deletecollection), nothing of
    Chaos Mesh's elsewhere and no other Chaos Mesh kind."""
    chaos = kubectl.impersonating(CHAOS)

    def chaos_mesh_rights(namespace: str) -> dict[str, str]:
        listing = chaos.run("auth", "can-i", "--list", "--namespace", namespace).stdout
        rows = [line.split(maxsplit=1) for line in listing.splitlines()]
        return {row[0]: row[1].split("]", 2)[-1].strip() for row in rows if "chaos-mesh" in row[0]}

    assert chaos_mesh_rights(NAMESPACE) == {CRD_NAME: "[create get list delete]"}
    assert chaos_mesh_rights("default") == {}

"""disturb_network (a Chaos Mesh NetworkChaos on Kubernetes): its arguments checked before any
backend is reached, the object slogate writes, and the local platform's refusal before a run
starts (exit 2, naming the file, the activity and what to use instead). The object against
Chaos Mesh's own CRD on a real API server: tests/k8s/test_kubernetes_chaos_mesh.py."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from chaoslib.exceptions import ActivityFailed

from slogate.chaos import actions
from slogate.platform.kubernetes import chaos_mesh
from slogate.platform.state import StackState, save_state
from tests.support.cli import REPO, run_cli

BAD_ARGUMENTS = {
    "delay-without-latency": ({"action": "delay"}, "action delay needs latency_ms > 0"),
    "negative-jitter": (
        {"action": "delay", "latency_ms": 10, "jitter_ms": -1},
        "jitter_ms must be >= 0",
    ),
    "loss-over-100": ({"action": "loss", "loss_percent": 101}, "loss_percent in (0, 100]"),
    "unknown-action": ({"action": "corrupt"}, "action must be delay, loss or partition"),
    "sideways": (
        {"action": "loss", "loss_percent": 5, "direction": "sideways"},
        "direction must be to, from or both",
    ),
    "partition-of-nothing": ({"action": "partition"}, "a partition needs a peer"),
    "unknown-peer": ({"action": "partition", "peer": "postgres"}, "unknown dependency"),
}


@pytest.mark.parametrize("name", sorted(BAD_ARGUMENTS))
def test_bad_arguments_fail_before_any_backend(name: str) -> None:
    arguments, message = BAD_ARGUMENTS[name]
    # no stack exists: reaching a backend would fail with another message
    configuration = {"slogate_stack": "nowhere", "slogate_run_id": "x"}
    with pytest.raises(ActivityFailed, match=message.replace("(", r"\(").replace(")", r"\)")):
        actions.disturb_network(**arguments, configuration=configuration)


@pytest.mark.parametrize(
    ("ttl_s", "expected"), [(30, "30s"), (30.0, "30s"), (2.5, "2500ms"), (0.0004, "1ms")]
)
def test_the_duration_is_never_shorter_than_the_ttl(ttl_s: float, expected: str) -> None:
    assert chaos_mesh.duration(ttl_s) == expected


@pytest.mark.parametrize(
    ("selector", "labels"),
    [
        ("app.kubernetes.io/name=target-service", {"app.kubernetes.io/name": "target-service"}),
        ("a=1, b==2", {"a": "1", "b": "2"}),
    ],
)
def test_equality_selectors_become_chaos_mesh_label_selectors(
    selector: str, labels: dict[str, str]
) -> None:
    assert chaos_mesh.labels_of(selector) == labels


@pytest.mark.parametrize("selector", ["a!=1", "tier in (web)", "a", ""])
def test_other_selectors_are_refused(selector: str) -> None:
    with pytest.raises(ValueError, match=r"Chaos Mesh needs equality terms|every pod"):
        chaos_mesh.labels_of(selector)


def test_a_local_stack_refuses_a_network_fault_before_the_run(tmp_path: Path) -> None:
    """The local platform has no Chaos Mesh: `slogate chaos` stops before its sweep, load or
    Chaos Toolkit, and names the experiment, the activity and the local alternatives."""
    home = tmp_path / "home"
    experiment = tmp_path / "slow-network.yaml"
    shipped = yaml.safe_load((REPO / "experiments" / "pod-kill.yaml").read_text())
    shipped["method"] = [{
        "type": "action", "name": "slow-the-network",
        "provider": {
            "type": "python", "module": "slogate.chaos.actions", "func": "disturb_network",
            "arguments": {"action": "delay", "latency_ms": 100, "ttl_s": 10},
        },
    }]  # fmt: skip
    experiment.write_text(yaml.safe_dump(shipped))
    env = {"SLOGATE_HOME": str(home)}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SLOGATE_HOME", str(home))
        save_state(StackState(stack="here", started_at=time.time(), run_dir=str(tmp_path)))
    result = run_cli(
        "chaos", str(experiment), "--stack", "here", "--no-load", "--run-dir",
        str(tmp_path / "run"), env=env, cwd=REPO,
    )  # fmt: skip
    assert result.exit_code == 2, result
    assert f"{experiment}" in result.stderr and "method[0] (slow-the-network)" in result.stderr
    assert "exists only on Kubernetes" in result.stderr
    assert "inject_latency, or partition_replicas with `faults: toxiproxy`" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (home / "stacks" / "here" / "ledger.jsonl").exists()

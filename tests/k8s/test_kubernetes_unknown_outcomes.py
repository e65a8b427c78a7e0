"""Nothing half-applied outlives a run or an `up` on Kubernetes, against the real control plane:
a Redis scale-to-0 whose PATCH the server applied but whose answer never came stays open in
the ledger and is restored; a Namespace `up` created mid-PATCH is recorded and deleted by the
failed `up`; and an `up` that died before writing its state file is still a Kubernetes stack
for `down`. The lost answer is faked at the client seam (`Api.call` raises urllib3's read
timeout after the real server applied the PATCH): a timeout cannot be produced to order on a
healthy API server. Pods are simulated by kwok."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from chaoslib.exceptions import ActivityFailed
from urllib3.exceptions import ReadTimeoutError

from slogate.chaos import actions
from slogate.chaos.ledger import FaultLedger
from slogate.chaos.rollback import roll_back_faults
from slogate.platform.kubernetes.cluster import Api
from tests.k8s.applied import Applied
from tests.k8s.controlplane.cluster import ControlPlane
from tests.k8s.controlplane.kubectl import Kubectl
from tests.k8s.kubernetes_stack import KubernetesStack, brought_down, write_stack
from tests.support.cli import slogate_home

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("control-plane")]


@pytest.fixture
def stack(
    tmp_path: Path, control_plane: ControlPlane, kubectl: Kubectl, deployed: Applied
) -> Iterator[KubernetesStack]:
    with brought_down(write_stack(tmp_path, control_plane, kubectl)) as stack:
        yield stack


def answer_lost_after(
    monkeypatch: pytest.MonkeyPatch, lost: Callable[[str, str, dict[str, str]], bool]
) -> list[str]:
    """`Api.call` sends every request; for those `lost(method, path, query)` picks, the server
    applies it and then the client raises a read timeout. The paths it lost the answer of."""
    real = Api.call
    paths: list[str] = []

    def call(self: Api, method: str, path: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        result = real(self, method, path, *args, **kwargs)
        if lost(method, path, kwargs.get("query") or {}):
            paths.append(path)
            raise ReadTimeoutError(None, path, "Read timed out. (read timeout=10)")  # type: ignore[arg-type]
        return result

    monkeypatch.setattr(Api, "call", call)
    return paths


def ledger_events(stack: KubernetesStack) -> list[dict[str, Any]]:
    lines = (stack.home / "stacks" / stack.name / "ledger.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def test_a_scale_to_zero_whose_answer_was_lost_stays_open_and_is_restored(
    stack: KubernetesStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert stack.up().exit_code == 0
    scale = f"/apis/apps/v1/namespaces/{stack.namespace}/deployments/redis/scale"
    lost = answer_lost_after(
        monkeypatch, lambda method, path, _: (method, path) == ("PATCH", scale)
    )
    configuration = {"slogate_stack": stack.name, "slogate_run_id": "timed-out"}
    with slogate_home(stack.home), pytest.raises(ActivityFailed, match="may have been applied"):
        actions.kill_dependency(name="redis", ttl_s=600, configuration=configuration)
    monkeypatch.undo()
    assert lost == [scale]
    assert stack.get("deployment", "redis")["spec"]["replicas"] == 0  # the server applied it
    (intent, applied) = ledger_events(stack)
    assert (intent["event"], applied["event"]) == ("intent", "applied")
    assert "read timed out" in applied["message"].lower()
    assert applied["rollback"]["detail"]["replicas"] == 1
    with slogate_home(stack.home):  # the next run's sweep, long after the TTL
        report = roll_back_faults(FaultLedger(stack.name), stack.name, now=time.time() + 3600)
    assert report.closed == [applied["fault_id"]] and report.errors == []
    assert stack.get("deployment", "redis")["spec"]["replicas"] == 1


def test_a_namespace_created_by_a_patch_whose_answer_was_lost_is_deleted(
    stack: KubernetesStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    namespace = f"/api/v1/namespaces/{stack.namespace}"
    lost = answer_lost_after(
        monkeypatch,
        lambda method, path, query: (
            (method, path) == ("PATCH", namespace) and "dryRun" not in query
        ),
    )
    result = stack.up()
    monkeypatch.undo()
    assert lost == [namespace]
    assert result.exit_code == 4, result
    assert f"applying Namespace {stack.namespace}" in result.stderr
    assert not stack.namespace_exists()
    assert not (stack.home / "stacks" / stack.name / "kubernetes.json").exists()


def test_down_after_an_up_that_died_before_its_state_file_deletes_what_it_created(
    stack: KubernetesStack,
) -> None:
    assert stack.up().exit_code == 0
    folder = stack.home / "stacks" / stack.name
    (folder / "state.json").unlink()  # as if `up` had been SIGKILLed just before writing it
    again = stack.up()
    assert again.exit_code == 2, again
    assert f"`slogate down --stack {stack.name}` first" in again.stderr
    result = stack.cli("down", "--stack", stack.name)  # the message's command, as given
    assert result.exit_code == 0, result
    assert result.stdout == f"stack '{stack.name}' is down\n"
    assert "object(s) `up` created in context 'slogate'" in result.stderr
    assert not stack.namespace_exists()
    assert not (folder / "kubernetes.json").exists()

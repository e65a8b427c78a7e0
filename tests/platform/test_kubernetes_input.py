"""Bad input for `platform: kubernetes` that needs no cluster: exit 2, a message naming the
file, the field and the fix, and nothing applied (no record of the stack is written)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from slogate.platform.state import StackState, save_state
from tests.platform.conftest import Slogate
from tests.support.cli import slogate_home


def write_config(folder: Path, **kubernetes: object) -> Path:
    path = folder / "slogate.yaml"
    path.write_text(yaml.safe_dump({"platform": "kubernetes", "kubernetes": kubernetes}))
    return path


def test_a_kubeconfig_that_does_not_exist_names_the_field(slogate: Slogate, tmp_path: Path) -> None:
    config = write_config(tmp_path, kubeconfig="nowhere/kubeconfig", traffic=False)
    result = slogate.cli("up", "--stack", "k", "--config", str(config))
    assert result.exit_code == 2, result
    assert f"{config}: kubernetes.kubeconfig: kubeconfig {tmp_path}/nowhere/kubeconfig" in (
        result.stderr
    )
    assert "does not exist; set kubernetes.kubeconfig" in result.stderr


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("namespace", "Not_A_Namespace", "kubernetes.namespace: String should match pattern"),
        ("rollout_timeout_s", 0, "kubernetes.rollout_timeout_s: Input should be greater than 0"),
        ("contexts", "x", "kubernetes.contexts: unknown key"),
        ("target_service", "target-service", "kubernetes.target_service: String should match"),
    ],
)
def test_bad_kubernetes_settings_name_the_field(
    slogate: Slogate, tmp_path: Path, field: str, value: object, expected: str
) -> None:
    config = write_config(tmp_path, **{field: value})
    result = slogate.cli("up", "--stack", "k", "--config", str(config))
    assert result.exit_code == 2, result
    assert f"{config}: {expected}" in result.stderr


def test_a_platform_flag_the_stack_does_not_run_on_is_refused(slogate: Slogate) -> None:
    with slogate_home(slogate.home):
        save_state(StackState(stack="here", platform="local", started_at=time.time(), run_dir="r"))
    for command in ("down", "status"):
        result = slogate.cli(command, "--stack", "here", "--platform", "kubernetes")
        assert result.exit_code == 2, result
        assert "stack 'here' runs on platform 'local', not 'kubernetes'" in result.stderr

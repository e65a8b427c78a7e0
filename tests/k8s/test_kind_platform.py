"""`platform: kind`: the cluster created or reused, the image built and loaded, then the
Kubernetes platform; `down` deletes only a cluster its `up` created.

`kind` and `docker` here are FAKES (tests/k8s/fake_kind.py) written into a temporary folder
put first on PATH: no Docker engine exists on this machine, so no kind cluster can. What the
tests check is what slogate asks of them (command lines), the error paths, and what is left
behind. The fake kind hands out the real test control plane's kubeconfig, so everything after
the cluster (apply, rollout, down) runs against the real API server (pods simulated, so
`traffic: false`). The real thing runs in `.github/workflows/kind.yml`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.k8s.applied import Applied
from tests.k8s.controlplane.cluster import ControlPlane
from tests.k8s.controlplane.kubectl import Kubectl
from tests.k8s.fake_kind import Fakes, install_fakes
from tests.k8s.kubernetes_stack import KubernetesStack, write_stack
from tests.support.cli import REPO, Result, run_cli

CLUSTER_FILE = REPO / "k8s" / "kind" / "cluster.yaml"


def as_kind(stack: KubernetesStack, fakes: Fakes) -> KubernetesStack:
    config = yaml.safe_load(stack.config.read_text())
    config["platform"] = "kind"
    config["kind"] = {"cluster_config": str(CLUSTER_FILE)}
    stack.config.write_text(yaml.safe_dump(config))
    return stack


def cli(stack: KubernetesStack, fakes: Fakes, *arguments: str) -> Result:
    path = f"{fakes.bin}{os.pathsep}{os.environ['PATH']}"
    env = {"SLOGATE_HOME": str(stack.home), "PATH": path}
    return run_cli(*arguments, env=env, cwd=stack.folder)


def folder_of(stack: KubernetesStack) -> Path:
    return stack.home / "stacks" / stack.name


@pytest.fixture
def offline(tmp_path: Path) -> KubernetesStack:
    """A project for `platform: kind` that never reaches a cluster (no control plane)."""
    folder = tmp_path / "project"
    folder.mkdir()
    config = {"platform": "kind", "kind": {"cluster_config": str(CLUSTER_FILE)}}
    (folder / "slogate.yaml").write_text(yaml.safe_dump(config))
    return KubernetesStack(name="k", folder=folder, namespace="unused", kubectl=None)  # type: ignore[arg-type]


def test_kind_missing_is_refused_naming_the_fix(offline: KubernetesStack, tmp_path: Path) -> None:
    fakes = install_fakes(tmp_path / "fakes", kind=False)
    empty = f"{fakes.bin}"  # no kind anywhere on this PATH
    result = run_cli(
        "up", "--stack", "k", env={"SLOGATE_HOME": str(offline.home), "PATH": empty},
        cwd=offline.folder,
    )  # fmt: skip
    assert result.exit_code == 2, result
    assert "kind.kind: 'kind' was not found on PATH; install kind (https://kind.sigs.k8s.io" in (
        result.stderr
    )
    assert fakes.calls() == []
    assert not folder_of(offline).joinpath("kind.json").exists()


def test_a_failed_kind_create_leaves_nothing(offline: KubernetesStack, tmp_path: Path) -> None:
    fakes = install_fakes(tmp_path / "fakes")
    fakes.fail_create()
    result = cli(offline, fakes, "up", "--stack", "k")
    assert result.exit_code == 4, result
    assert "creating kind cluster slogate: `" in result.stderr
    assert "node(s) never became ready" in result.stderr
    assert [call[:3] for call in fakes.calls()] == [
        ["kind", "get", "clusters"],
        ["kind", "create", "cluster"],
        ["kind", "delete", "cluster"],  # the half-made cluster `up` began
    ]
    assert fakes.clusters() == []
    assert list(folder_of(offline).glob("*.json")) == []
    # nothing is up: down has nothing to do and deletes no cluster
    assert cli(offline, fakes, "down", "--stack", "k").exit_code == 0
    assert len(fakes.calls()) == 3


@pytest.fixture
def stack(
    tmp_path: Path, control_plane: ControlPlane, kubectl: Kubectl, deployed: Applied
) -> Iterator[tuple[KubernetesStack, Fakes]]:
    fakes = install_fakes(tmp_path / "fakes")
    fakes.serve_kubeconfig(control_plane.kubeconfig)
    stack = as_kind(write_stack(tmp_path / "project", control_plane, kubectl), fakes)
    try:
        yield stack, fakes
    finally:
        if folder_of(stack).joinpath("kind.json").exists():
            assert cli(stack, fakes, "down", "--stack", stack.name).exit_code == 0


@pytest.mark.slow
@pytest.mark.xdist_group("control-plane")
@pytest.mark.parametrize("existing", [True, False], ids=["reused", "created"])
def test_up_builds_and_loads_the_image_and_down_deletes_only_a_cluster_it_created(
    stack: tuple[KubernetesStack, Fakes], existing: bool
) -> None:
    kind_stack, fakes = stack
    if existing:
        fakes.add_cluster("slogate")
    result = cli(kind_stack, fakes, "up", "--stack", kind_stack.name)
    assert result.exit_code == 0, result
    calls = fakes.calls()
    folder = str(kind_stack.folder)
    expected = [["kind", "get", "clusters"]]
    if not existing:
        expected.append(
            ["kind", "create", "cluster", "--name", "slogate", "--config", str(CLUSTER_FILE),
             "--wait", "120s"]
        )  # fmt: skip
    expected += [
        ["docker", "build", "--file", f"{folder}/target_service/Dockerfile",
         "--tag", "slogate/target-service:dev", folder],
        ["kind", "load", "docker-image", "slogate/target-service:dev", "--name", "slogate"],
        ["kind", "get", "kubeconfig", "--name", "slogate"],
    ]  # fmt: skip
    assert calls == expected
    # then the Kubernetes platform, against the cluster's kubeconfig (the real control plane)
    kind_stack.settled_target()
    state = yaml.safe_load((folder_of(kind_stack) / "state.json").read_text())
    assert state["platform"] == "kind"
    assert (folder_of(kind_stack) / "kind-kubeconfig").stat().st_mode & 0o777 == 0o600

    result = cli(kind_stack, fakes, "down", "--stack", kind_stack.name)
    assert result.exit_code == 0, result
    deleted = ["kind", "delete", "cluster", "--name", "slogate"]
    assert (deleted in fakes.calls()) is not existing
    assert fakes.clusters() == (["slogate"] if existing else [])
    assert list(folder_of(kind_stack).glob("*.json")) == []
    assert not (folder_of(kind_stack) / "kind-kubeconfig").exists()

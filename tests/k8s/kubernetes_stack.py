"""A `platform: kubernetes` stack on the test control plane, in a namespace of its own.

Each stack deploys k8s/ through an overlay that only moves it to a fresh namespace (what a
team does to run a second copy), so tests neither see nor disturb the `slogate` namespace the
control-plane tests use. The ValidatingAdmissionPolicy is cluster-scoped: the `deployed`
fixture applied it first, so no stack here creates it, and no stack's `down` deletes it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.k8s.controlplane.cluster import ControlPlane
from tests.k8s.controlplane.kubectl import Kubectl
from tests.k8s.manifests import K8S_DIR
from tests.k8s.target_pods import REPLICAS, TARGET, is_ready
from tests.support.cli import Result, run_cli
from tests.support.waiting import wait_until

SETTLE_TIMEOUT_S = 60


@dataclass
class KubernetesStack:
    """One stack's folder, slogate.yaml, namespace and home; `cli` runs slogate there."""

    name: str
    folder: Path
    namespace: str
    kubectl: Kubectl

    @property
    def home(self) -> Path:
        return self.folder / "home"

    @property
    def config(self) -> Path:
        return self.folder / "slogate.yaml"

    def cli(self, *arguments: str) -> Result:
        return run_cli(*arguments, env={"SLOGATE_HOME": str(self.home)}, cwd=self.folder)

    def up(self, *extra: str) -> Result:
        return self.cli("up", "--stack", self.name, "--platform", "kubernetes", *extra)

    def down(self) -> Result:
        return self.cli("down", "--stack", self.name, "--platform", "kubernetes")

    def get(self, *arguments: str) -> dict[str, Any]:
        return self.kubectl.get(*arguments, "--namespace", self.namespace)

    def pods(self, selector: str = TARGET) -> list[dict[str, Any]]:
        items = self.get("pods", "--selector", selector)["items"]
        assert isinstance(items, list)
        return items

    def settled_target(self) -> list[dict[str, Any]]:
        """Exactly the target's replicas, every one Ready and none terminating."""

        def check() -> list[dict[str, Any]] | None:
            pods = self.pods()
            return pods if len(pods) == REPLICAS and all(map(is_ready, pods)) else None

        return wait_until(check, SETTLE_TIMEOUT_S, interval=0.2, what="the target to settle")

    def namespace_exists(self) -> bool:
        result = self.kubectl.run_unchecked("get", "namespace", self.namespace, "--output=name")
        return result.returncode == 0


def write_stack(
    folder: Path,
    plane: ControlPlane,
    kubectl: Kubectl,
    kubernetes: dict[str, Any] | None = None,
    overlay: dict[str, Any] | None = None,
) -> KubernetesStack:
    """A folder with an overlay of k8s/ into a fresh namespace and a slogate.yaml for it."""
    namespace = f"sg-{uuid.uuid4().hex[:8]}"
    root = folder / "overlay"
    root.mkdir(parents=True)
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": namespace,
        "resources": [os.path.relpath(K8S_DIR, root)],  # kustomize takes no absolute path
        **(overlay or {}),
    }
    (root / "kustomization.yaml").write_text(yaml.safe_dump(kustomization))
    settings = {
        "kubeconfig": str(plane.kubeconfig),
        "namespace": namespace,
        "kustomize": "overlay",
        "kubectl": str(plane.binaries.kubectl),
        "traffic": False,
        "rollout_timeout_s": 60,
        **(kubernetes or {}),
    }
    (folder / "slogate.yaml").write_text(
        yaml.safe_dump({"platform": "kubernetes", "kubernetes": settings})
    )
    return KubernetesStack(name="k8s", folder=folder, namespace=namespace, kubectl=kubectl)


@contextmanager
def brought_down(stack: KubernetesStack) -> Iterator[KubernetesStack]:
    """The stack, brought down at the end whatever the test did."""
    try:
        yield stack
    finally:
        if (stack.home / "stacks" / stack.name / "kubernetes.json").exists():
            result = stack.down()
            assert result.exit_code == 0, result

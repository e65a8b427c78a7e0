"""Applying k8s/ to the test control plane the way a user would."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from tests.k8s.controlplane.kubectl import Kubectl
from tests.k8s.manifests import K8S_DIR, REPO

NAMESPACE = "slogate"
KUSTOMIZE_ROOTS = ("k8s", "k8s/drill", "k8s/drill/local-stack", "k8s/pushgateway")
ROLLOUT_TIMEOUT_S = 120


@dataclass
class Applied:
    """What applying k8s/ printed (the server-side dry-run, then the real apply) and took."""

    dry_run: dict[str, str] = field(default_factory=dict)
    applied: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def apply_k8s(kubectl: Kubectl) -> Applied:
    """The Namespace first (admission refuses objects in a namespace that does not exist),
    then a server-side dry-run of every kustomize root, then the real server-side apply,
    then every rollout finished."""
    result = Applied()
    began = time.monotonic()
    kubectl.run("apply", "--server-side", "--filename", str(K8S_DIR / "namespace.yaml"))
    for root in KUSTOMIZE_ROOTS:
        result.dry_run[root] = kubectl.run(
            "apply", "--server-side", "--dry-run=server", "--kustomize", str(REPO / root)
        ).stdout
    for root in KUSTOMIZE_ROOTS:
        result.applied[root] = kubectl.run(
            "apply", "--server-side", "--kustomize", str(REPO / root)
        ).stdout
    result.seconds["apply"] = round(time.monotonic() - began, 2)
    for deployment in ("prometheus", "redis", "target-service", "pushgateway"):
        kubectl.run(
            "--namespace",
            NAMESPACE,
            "rollout",
            "status",
            f"deployment/{deployment}",
            f"--timeout={ROLLOUT_TIMEOUT_S}s",
            timeout=ROLLOUT_TIMEOUT_S + 10,
        )
    result.seconds["rollout"] = round(time.monotonic() - began, 2)
    return result

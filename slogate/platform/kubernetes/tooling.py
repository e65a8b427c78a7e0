"""What the Kubernetes platform needs on this machine, for `slogate doctor`: a kubectl new
enough to build the kustomize root (kustomize v5: v1.27 or newer; Debian 12's is 1.20), and
kind when the cluster is a local kind one (k8s/kind/; optional: any cluster will do)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

from slogate.config import SlogateConfig
from slogate.errors import UsageError
from slogate.platform.base import DoctorCheck
from slogate.platform.kubernetes.manifests import find_kubectl

MIN_KUBECTL_MINOR = 27
VERSION_TIMEOUT_S = 30.0
BUILD_KUBECTL = (
    "scripts/build-control-plane.sh builds one into ~/.cache/slogate/k8s/; set "
    "kubernetes.kubectl in slogate.yaml to it"
)


def kubectl_check(config: SlogateConfig) -> DoctorCheck:
    """The configured kubectl exists and is v1.27 or newer."""
    try:
        path = find_kubectl(config)
    except UsageError as error:
        return DoctorCheck(ok=False, status="missing", detail=f"{'kubectl':<13} {error}")
    try:
        done = subprocess.run(
            [path, "version", "--client", "-o", "json"],
            capture_output=True, text=True, timeout=VERSION_TIMEOUT_S, check=False,
        )  # fmt: skip
        client = json.loads(done.stdout)["clientVersion"]
        major, minor = int(client["major"]), int(re.sub(r"\D.*", "", client["minor"]))
    except (OSError, subprocess.TimeoutExpired, ValueError, KeyError, TypeError) as error:
        detail = f"{'kubectl':<13} {path} does not say its version ({error}); {BUILD_KUBECTL}"
        return DoctorCheck(ok=False, status="missing", detail=detail)
    version = f"{major}.{minor}"
    if (major, minor) < (1, MIN_KUBECTL_MINOR):
        detail = (
            f"{'kubectl':<13} {version:<10} {path} is too old: kustomize v5 needs v1."
            f"{MIN_KUBECTL_MINOR} or newer; {BUILD_KUBECTL}"
        )
        return DoctorCheck(ok=False, status="too old", detail=detail)
    return DoctorCheck(ok=True, status="ok", detail=f"{'kubectl':<13} {version:<10} {path}")


def kind_check() -> DoctorCheck:
    """kind on PATH (optional: only a local kind cluster needs it)."""
    path = shutil.which("kind")
    if path is None:
        detail = (
            f"{'kind':<13} not found: only a local kind cluster needs it (k8s/kind/); "
            "install: go install sigs.k8s.io/kind@latest (kind.sigs.k8s.io)"
        )
        return DoctorCheck(ok=True, status="optional", detail=detail)
    try:
        done = subprocess.run(
            [path, "version"], capture_output=True, text=True, timeout=VERSION_TIMEOUT_S,
            check=False,
        )  # fmt: skip
        found = re.search(r"v(\d+\.\d+\.\d+)", done.stdout)
    except (OSError, subprocess.TimeoutExpired):
        found = None
    version = found.group(1) if found else "?"
    return DoctorCheck(ok=True, status="ok", detail=f"{'kind':<13} {version:<10} {path}")

"""Where the control plane's binaries are: the cache scripts/build-control-plane.sh fills."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
BUILD_SCRIPT = REPO / "scripts" / "build-control-plane.sh"
BUILD_COMMAND = "scripts/build-control-plane.sh (make test runs it)"
LOOKUP_TIMEOUT_S = 30


class BinariesMissing(RuntimeError):
    """The control plane has not been built into the cache yet."""


@dataclass(frozen=True)
class Binaries:
    etcd: Path
    kube_apiserver: Path
    kube_controller_manager: Path
    kube_scheduler: Path
    kubectl: Path
    kwok: Path
    prometheus: Path  # with Kubernetes service discovery (Debian's has none)
    promtool: Path


def find_binaries() -> Binaries:
    """The built binaries; BinariesMissing names the build command when any is absent."""
    result = subprocess.run(
        [str(BUILD_SCRIPT), "--print"],
        capture_output=True,
        text=True,
        timeout=LOOKUP_TIMEOUT_S,
        check=False,
        cwd=REPO,
    )
    if result.returncode != 0:
        raise BinariesMissing(result.stderr.strip() or f"{BUILD_SCRIPT} --print failed")
    folders = dict(line.split(" ", 1) for line in result.stdout.splitlines() if line.strip())
    wanted = {
        "etcd": ("etcd", "etcd"),
        "kube_apiserver": ("kubernetes", "kube-apiserver"),
        "kube_controller_manager": ("kubernetes", "kube-controller-manager"),
        "kube_scheduler": ("kubernetes", "kube-scheduler"),
        "kubectl": ("kubernetes", "kubectl"),
        "kwok": ("kwok", "kwok"),
        "prometheus": ("prometheus", "prometheus"),
        "promtool": ("prometheus", "promtool"),
    }
    paths = {}
    for field, (tool, binary) in wanted.items():
        path = Path(folders.get(tool, "")) / binary
        if not path.is_file():
            raise BinariesMissing(
                f"{path} is missing (tool {tool!r}, tools/{tool}/go.mod); "
                f"rebuild with {BUILD_COMMAND}."
            )
        paths[field] = path
    return Binaries(**paths)


def find_prometheus_operator_crds() -> Path:
    """The Prometheus Operator's CRD folder that scripts/build-control-plane.sh fetched from its
    Go module (tools/prometheus-operator/crds.env); BinariesMissing names the build otherwise."""
    return _crd_folder(
        "prometheus-operator", "monitoring.coreos.com_prometheusrules.yaml",
        "the Prometheus Operator's CRDs",
    )  # fmt: skip


def find_chaos_mesh_crds() -> Path:
    """Chaos Mesh's NetworkChaos CRD folder that scripts/build-control-plane.sh fetched from its
    Go module (tools/chaos-mesh/crds.env); BinariesMissing names the build otherwise."""
    return _crd_folder("chaos-mesh", "chaos-mesh.org_networkchaos.yaml", "Chaos Mesh's CRD")


def _crd_folder(crd_set: str, marker: str, what: str) -> Path:
    result = subprocess.run(
        [str(BUILD_SCRIPT), "--print"],
        capture_output=True,
        text=True,
        timeout=LOOKUP_TIMEOUT_S,
        check=False,
        cwd=REPO,
    )
    folders = dict(line.split(" ", 1) for line in result.stdout.splitlines() if line.strip())
    folder = Path(folders.get(f"{crd_set}-crds", ""))
    if not (folder / marker).is_file():
        raise BinariesMissing(
            f"{what}: not fetched yet; fetch them with {BUILD_COMMAND} (one Go module download)"
        )
    return folder

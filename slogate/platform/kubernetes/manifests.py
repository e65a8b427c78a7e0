"""The kustomize root built into the objects `up` applies.

`kubectl kustomize` builds it: the Kubernetes Python client has no kustomize, and the root
uses kustomize v5 features (`labels:`) that only a recent kubectl has (Debian's 1.20 does not;
scripts/build-control-plane.sh builds one). Every other call goes through the API client.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from slogate.config import SlogateConfig
from slogate.errors import ConfigError, UsageError

KUSTOMIZE_TIMEOUT_S = 60.0
ADMIN_TOKEN_SECRET = "slogate-admin-token"  # noqa: S105 (an object's name, not a secret)

Manifest = dict[str, Any]


def kustomize_root(config: SlogateConfig) -> Path:
    """The configured root; a ConfigError when it has no kustomization.yaml."""
    root = (config.base_dir / config.kubernetes.kustomize).resolve()
    if not (root / "kustomization.yaml").is_file():
        raise ConfigError(
            config.source or "slogate.yaml",
            "kubernetes.kustomize",
            f"{root} has no kustomization.yaml; point it at a kustomize root (default: k8s)",
        )
    return root


def find_kubectl(config: SlogateConfig) -> str:
    """The configured kubectl (relative to slogate.yaml, or on PATH); UsageError if none."""
    configured = config.kubernetes.kubectl
    found = shutil.which(str((config.base_dir / configured).expanduser())) or shutil.which(
        configured
    )
    if found is None:
        raise UsageError(
            f"kubectl {configured!r} was not found: set kubernetes.kubectl in slogate.yaml to a "
            "kubectl v1.27 or newer (scripts/build-control-plane.sh builds one)"
        )
    return found


def build_manifests(config: SlogateConfig) -> list[Manifest]:
    """The root's objects, in kustomize's order (Namespaces first); each namespaced one in
    `kubernetes.namespace` (a ConfigError naming both namespaces otherwise)."""
    root = kustomize_root(config)
    manifests = kustomize_build(config, root)
    for manifest in manifests:
        _check(manifest, root, config)
    return manifests


def kustomize_build(config: SlogateConfig, root: Path) -> list[Manifest]:
    """`kubectl kustomize ROOT`: its objects, in kustomize's order."""
    command = [find_kubectl(config), "kustomize", str(root)]
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=KUSTOMIZE_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        raise UsageError(f"{' '.join(command)} took over {KUSTOMIZE_TIMEOUT_S:g} s") from None
    if result.returncode != 0:
        raise ConfigError(str(root / "kustomization.yaml"), "", result.stderr.strip())
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def _check(manifest: Any, root: Path, config: SlogateConfig) -> None:
    where = str(root / "kustomization.yaml")
    metadata = manifest.get("metadata") if isinstance(manifest, dict) else None
    if not isinstance(metadata, dict) or not metadata.get("name") or not manifest.get("kind"):
        raise ConfigError(where, "", f"an object without kind or metadata.name: {manifest!r:.200}")
    namespace = metadata.get("namespace")
    wanted = config.kubernetes.namespace
    if namespace is not None and namespace != wanted:
        raise ConfigError(
            where,
            "namespace",
            f"{manifest['kind']} {metadata['name']} goes to namespace {namespace!r}, but "
            f"kubernetes.namespace in {config.source or 'slogate.yaml'} is {wanted!r}: make "
            "them the same",
        )


def with_admin_token(manifests: list[Manifest], namespace: str, token: str) -> list[Manifest]:
    """The root's objects plus the Secret that gives the target the stack's admin token (the
    Deployment reads it into TARGET_ADMIN_TOKEN; k8s/target/deployment.yaml), right after the
    Namespaces so it exists before the pods that read it."""
    secret: Manifest = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": ADMIN_TOKEN_SECRET,
            "namespace": namespace,
            "labels": {"app.kubernetes.io/part-of": "slogate"},
        },
        "type": "Opaque",
        "stringData": {"token": token},
    }
    namespaces = sum(1 for manifest in manifests if manifest["kind"] == "Namespace")
    return [*manifests[:namespaces], secret, *manifests[namespaces:]]

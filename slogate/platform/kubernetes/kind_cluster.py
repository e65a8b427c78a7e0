"""A kind cluster for `platform: kind`, through the `kind` and `docker` executables.

Every command has a timeout and its failure names the command, what it said and the fix.
`.slogate/stacks/NAME/kind.json` says which cluster the stack uses and whether its `up`
created it; it is written before `kind create cluster`, so a `down` after a failed or killed
`up` still deletes a cluster that `up` began to create, and never one that existed before.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from slogate.config import SlogateConfig
from slogate.errors import ConfigError, InfrastructureError, UsageError
from slogate.host.files import read_model, write_atomically
from slogate.platform.state import ensure_stack_dir, stack_dir

KIND_RECORD = "kind.json"
KIND_KUBECONFIG = "kind-kubeconfig"
QUERY_TIMEOUT_S = 30.0
DELETE_TIMEOUT_S = 300.0
DEFAULT_CLUSTER = "slogate"


class KindRecord(BaseModel):
    """The stack's kind cluster, and whether its `up` created it (only then `down` deletes it)."""

    model_config = ConfigDict(extra="forbid")

    cluster: str
    created: bool
    kind: str


@dataclass(frozen=True)
class KindTools:
    kind: str
    docker: str


def find_tools(config: SlogateConfig) -> KindTools:
    """The kind and docker executables (UsageError naming the setting and the fix)."""
    settings = config.kind
    wanted = (
        ("kind.kind", settings.kind, "install kind (https://kind.sigs.k8s.io/docs/user/"
         "quick-start/#installation)"),
        ("kind.docker", settings.docker, "install Docker (https://docs.docker.com/engine/"
         "install/): kind runs its nodes as containers"),
    )  # fmt: skip
    found = []
    for field, name, fix in wanted:
        path = shutil.which(name)
        if path is None:
            raise UsageError(
                f"{config.source or 'slogate.yaml'}: {field}: {name!r} was not found on PATH; "
                f"{fix}, or set {field} to its path"
            )
        found.append(path)
    return KindTools(*found)


def cluster_file(config: SlogateConfig) -> Path:
    """kind's cluster file (ConfigError naming kind.cluster_config when it is missing)."""
    path = (config.base_dir / config.kind.cluster_config).resolve()
    if not path.is_file():
        raise ConfigError(
            config.source or "slogate.yaml",
            "kind.cluster_config",
            f"{path} does not exist; point it at a kind cluster file (default: "
            "k8s/kind/cluster.yaml)",
        )
    return path


def cluster_name(config: SlogateConfig) -> str:
    """kind.name, else the `name:` of the cluster file, else `slogate`."""
    if config.kind.name:
        return config.kind.name
    document = yaml.safe_load(cluster_file(config).read_text()) or {}
    return str(document.get("name") or DEFAULT_CLUSTER)


def run_tool(command: list[str], timeout_s: float, what: str) -> str:
    """Run one command; its stdout. InfrastructureError naming `what`, the command and the
    end of what it said when it fails or overruns."""
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout_s, check=False
        )
    except subprocess.TimeoutExpired:
        raise InfrastructureError(
            f"{what}: `{' '.join(command)}` did not finish within {timeout_s:g} s"
        ) from None
    if result.returncode != 0:
        said = " | ".join((result.stderr or result.stdout).strip().splitlines()[-3:])
        raise InfrastructureError(
            f"{what}: `{' '.join(command)}` exited with {result.returncode} ({said or 'no output'})"
        )
    return result.stdout


def existing_clusters(tools: KindTools) -> list[str]:
    out = run_tool([tools.kind, "get", "clusters"], QUERY_TIMEOUT_S, "listing kind clusters")
    return [line.strip() for line in out.splitlines() if line.strip()]


def create_cluster(tools: KindTools, name: str, config: SlogateConfig) -> None:
    command = [tools.kind, "create", "cluster", "--name", name]
    command += ["--config", str(cluster_file(config)), "--wait", "120s"]
    run_tool(command, config.kind.create_timeout_s, f"creating kind cluster {name}")


def delete_cluster(tools: KindTools, name: str) -> None:
    command = [tools.kind, "delete", "cluster", "--name", name]
    run_tool(command, DELETE_TIMEOUT_S, f"deleting kind cluster {name}")


def build_and_load_image(tools: KindTools, name: str, config: SlogateConfig) -> None:
    """`docker build` the target's image, then `kind load docker-image` it into the cluster."""
    settings = config.kind
    build = [tools.docker, "build", "--file", str(config.base_dir / settings.dockerfile)]
    build += ["--tag", settings.image, str(config.base_dir)]
    run_tool(build, settings.build_timeout_s, f"building the target's image {settings.image}")
    load = [tools.kind, "load", "docker-image", settings.image, "--name", name]
    run_tool(load, settings.build_timeout_s, f"loading {settings.image} into kind cluster {name}")


def write_kubeconfig(tools: KindTools, name: str, stack: str) -> Path:
    """The cluster's kubeconfig in the stack's folder (0600; its current context is kind's)."""
    text = run_tool(
        [tools.kind, "get", "kubeconfig", "--name", name],
        QUERY_TIMEOUT_S,
        f"reading kind cluster {name}'s kubeconfig",
    )
    path = ensure_stack_dir(stack) / KIND_KUBECONFIG
    path.touch(mode=0o600, exist_ok=True)
    path.write_text(text)
    return path


def save_kind_record(stack: str, record: KindRecord) -> None:
    write_atomically(ensure_stack_dir(stack) / KIND_RECORD, record.model_dump_json(indent=2))


def load_kind_record(stack: str) -> KindRecord | None:
    path = stack_dir(stack) / KIND_RECORD
    return read_model(path, KindRecord, "delete the cluster with `kind delete cluster`")


def has_kind_record(stack: str) -> bool:
    return (stack_dir(stack) / KIND_RECORD).is_file()


def forget_kind(stack: str) -> None:
    for name in (KIND_RECORD, KIND_KUBECONFIG):
        (stack_dir(stack) / name).unlink(missing_ok=True)

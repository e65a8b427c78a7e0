"""Finding, loading and validating the manifests under k8s/.

Every document of every YAML file under k8s/ is validated by exactly one checker:
- Kubernetes API objects by `kubernetes-validate --strict` against the schemas it ships for
  `KUBERNETES_VERSION` (offline). Its "Couldn't find schema" warning (exit 0) counts as a
  failure, so a misspelt kind or apiVersion cannot slip through.
- Files that tools read but the API server never sees (kind's cluster config, kustomize's
  Kustomization) and custom resources (the Prometheus Operator's ServiceMonitor and
  PrometheusRule, which kubernetes-validate has no schema for) by the strict pydantic models in
  `NOT_KUBERNETES_API`; another such file type registers a model there.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

REPO = Path(__file__).resolve().parents[2]
K8S_DIR = REPO / "k8s"
# kind's node image for its v0.27 release; kubectl on this machine is 1.32 too.
KUBERNETES_VERSION = "1.32.0"
VALIDATE_TIMEOUT_S = 120


@dataclass(frozen=True)
class Document:
    """One YAML document of a manifest file."""

    path: Path
    index: int
    body: dict[str, Any]

    @property
    def api_version(self) -> str:
        return str(self.body.get("apiVersion", ""))

    @property
    def kind(self) -> str:
        return str(self.body.get("kind", ""))

    @property
    def name(self) -> str:
        metadata = self.body.get("metadata") or {}
        return str(metadata.get("name", self.body.get("name", "")))

    @property
    def label(self) -> str:
        where = self.path.relative_to(REPO) if self.path.is_relative_to(REPO) else self.path
        return f"{where}#{self.index} {self.kind}/{self.name}"


def manifest_files(root: Path = K8S_DIR) -> list[Path]:
    """Every YAML file under `root`, in a stable order."""
    return sorted(p for p in root.rglob("*") if p.suffix in {".yaml", ".yml"} and p.is_file())


def load_documents(path: Path) -> list[Document]:
    """The non-empty documents of one YAML file; each must be a mapping."""
    documents = []
    for index, body in enumerate(yaml.safe_load_all(path.read_text(encoding="utf-8"))):
        if body is None:
            continue
        if not isinstance(body, dict):
            raise AssertionError(f"{path}#{index}: a manifest must be a mapping, got {body!r}")
        documents.append(Document(path, index, body))
    return documents


def all_documents(root: Path = K8S_DIR) -> list[Document]:
    return [doc for path in manifest_files(root) for doc in load_documents(path)]


# ---- files that are not Kubernetes API objects: strict models of their own


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class KindPortMapping(_Strict):
    containerPort: int = Field(ge=1, le=65535)
    hostPort: int = Field(ge=0, le=65535)
    listenAddress: str | None = None
    protocol: Literal["TCP", "UDP", "SCTP"] | None = None


class KindMount(_Strict):
    hostPath: str
    containerPath: str
    readOnly: bool | None = None
    selinuxRelabel: bool | None = None
    propagation: Literal["None", "HostToContainer", "Bidirectional"] | None = None


class KindNode(_Strict):
    role: Literal["control-plane", "worker"]
    image: str | None = None
    labels: dict[str, str] | None = None
    extraPortMappings: list[KindPortMapping] | None = None
    extraMounts: list[KindMount] | None = None
    kubeadmConfigPatches: list[str] | None = None


class KindNetworking(_Strict):
    ipFamily: Literal["ipv4", "ipv6", "dual"] | None = None
    apiServerAddress: str | None = None
    apiServerPort: int | None = None
    podSubnet: str | None = None
    serviceSubnet: str | None = None
    disableDefaultCNI: bool | None = None
    kubeProxyMode: Literal["iptables", "ipvs", "nftables", "none"] | None = None


class KindCluster(_Strict):
    """kind's cluster config, `kind.x-k8s.io/v1alpha4` (sigs.k8s.io/kind pkg/apis/config)."""

    kind: Literal["Cluster"]
    apiVersion: Literal["kind.x-k8s.io/v1alpha4"]
    name: str | None = Field(default=None, pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    nodes: list[KindNode] = Field(min_length=1)
    networking: KindNetworking | None = None
    featureGates: dict[str, bool] | None = None
    runtimeConfig: dict[str, str] | None = None
    kubeadmConfigPatches: list[str] | None = None
    containerdConfigPatches: list[str] | None = None


class KustomizeLabels(_Strict):
    pairs: dict[str, str]
    includeSelectors: bool | None = None
    includeTemplates: bool | None = None


class KustomizeImage(_Strict):
    name: str
    newName: str | None = None
    newTag: str | None = None
    digest: str | None = None


class Kustomization(_Strict):
    """The kustomize fields this project uses; anything else is rejected until added here."""

    apiVersion: Literal["kustomize.config.k8s.io/v1beta1"]
    kind: Literal["Kustomization"]
    namespace: str | None = None
    namePrefix: str | None = None
    nameSuffix: str | None = None
    labels: list[KustomizeLabels] | None = None
    commonAnnotations: dict[str, str] | None = None
    resources: list[str] = Field(default_factory=list)
    components: list[str] | None = None
    images: list[KustomizeImage] | None = None
    patches: list[dict[str, Any]] | None = None
    configMapGenerator: list[dict[str, Any]] | None = None
    secretGenerator: list[dict[str, Any]] | None = None
    generatorOptions: dict[str, Any] | None = None


# ---- Prometheus Operator custom resources (k8s/prometheus-operator/): kubernetes-validate has
# no schema for them, so these models check the fields this project uses, offline; the API
# server checks them against the operator's own CRDs in test_control_plane_prometheus_operator.


class ObjectMeta(_Strict):
    name: str = Field(pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    namespace: str | None = None
    labels: dict[str, str] | None = None


class RelabelConfig(_Strict):
    sourceLabels: list[str] | None = None
    separator: str | None = None
    regex: str | None = None
    targetLabel: str | None = None
    replacement: str | None = None
    action: Literal["replace", "keep", "drop", "labelmap", "labeldrop", "labelkeep"] | None = None


class MonitorEndpoint(_Strict):
    port: str
    path: str | None = None
    interval: str | None = Field(default=None, pattern=r"^[0-9]+(ms|s|m|h)$")
    scrapeTimeout: str | None = Field(default=None, pattern=r"^[0-9]+(ms|s|m|h)$")
    relabelings: list[RelabelConfig] | None = None


class LabelSelector(_Strict):
    matchLabels: dict[str, str]


class NamespaceSelector(_Strict):
    matchNames: list[str]


class ServiceMonitorSpec(_Strict):
    selector: LabelSelector
    namespaceSelector: NamespaceSelector | None = None
    endpoints: list[MonitorEndpoint] = Field(min_length=1)


class ServiceMonitor(_Strict):
    apiVersion: Literal["monitoring.coreos.com/v1"]
    kind: Literal["ServiceMonitor"]
    metadata: ObjectMeta
    spec: ServiceMonitorSpec


class Rule(_Strict):
    record: str | None = None
    alert: str | None = None
    expr: str
    # `for` is a Python keyword
    for_: str | None = Field(default=None, alias="for")
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None


class RuleGroup(_Strict):
    name: str
    interval: str | None = None
    rules: list[Rule] = Field(min_length=1)


class PrometheusRuleSpec(_Strict):
    groups: list[RuleGroup] = Field(min_length=1)


class PrometheusRule(_Strict):
    apiVersion: Literal["monitoring.coreos.com/v1"]
    kind: Literal["PrometheusRule"]
    metadata: ObjectMeta
    spec: PrometheusRuleSpec


NOT_KUBERNETES_API: dict[tuple[str, str], type[BaseModel]] = {
    ("kind.x-k8s.io/v1alpha4", "Cluster"): KindCluster,
    ("kustomize.config.k8s.io/v1beta1", "Kustomization"): Kustomization,
    ("monitoring.coreos.com/v1", "ServiceMonitor"): ServiceMonitor,
    ("monitoring.coreos.com/v1", "PrometheusRule"): PrometheusRule,
}


def own_model(document: Document) -> type[BaseModel] | None:
    """The model that validates `document` when it is not a Kubernetes API object."""
    return NOT_KUBERNETES_API.get((document.api_version, document.kind))


# ---- Kubernetes API objects: kubernetes-validate --strict, offline


def validate_with_kubernetes_validate(
    documents: list[Document], workdir: Path
) -> dict[str, list[str]]:
    """Problems per document label (empty list: valid), from one `kubernetes-validate` run.

    Each document goes to its own file so every output line maps back to one document.
    A warning (no schema for the kind) is a problem like an error.
    """
    by_file: dict[str, Document] = {}
    for position, document in enumerate(documents):
        file = workdir / f"doc{position:04d}.yaml"
        file.write_text(yaml.safe_dump(document.body), encoding="utf-8")
        by_file[str(file)] = document
    problems: dict[str, list[str]] = {doc.label: [] for doc in documents}
    if not documents:
        return problems
    command = [
        sys.executable,
        "-m",
        "kubernetes_validate",
        "--strict",
        "--quiet",
        "--kubernetes-version",
        KUBERNETES_VERSION,
        *by_file,
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=VALIDATE_TIMEOUT_S, check=False
    )
    unattributed = []
    for line in (result.stdout + result.stderr).splitlines():
        match = re.match(r"^(ERROR|WARN|FATAL) (\S+)", line)
        if match and match.group(2) in by_file:
            problems[by_file[match.group(2)].label].append(line)
        elif line.strip():
            unattributed.append(line)
    if unattributed or (result.returncode != 0 and not any(problems.values())):
        raise AssertionError(
            f"kubernetes-validate exited {result.returncode} with output not tied to a "
            f"document: {unattributed}"
        )
    return problems

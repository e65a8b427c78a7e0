"""k8s/ against a real API server: server-side dry-run, then the real apply, into a
namespace that enforces the restricted Pod Security Standard (the admission plugin decides,
not an offline schema). tests/k8s/test_manifests.py stays the fast offline first check."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from tests.k8s.applied import KUSTOMIZE_ROOTS, NAMESPACE, Applied
from tests.k8s.controlplane.kubectl import Kubectl
from tests.k8s.manifests import REPO, Document, load_documents

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("control-plane")]


def sources(root: Path) -> list[Document]:
    """The API objects a kustomize root lists, following its folders."""
    listed = yaml.safe_load((root / "kustomization.yaml").read_text())["resources"]
    documents: list[Document] = []
    for entry in listed:
        path = root / entry
        documents += sources(path) if path.is_dir() else load_documents(path)
    return documents


def printed_name(document: Document) -> str:
    """How kubectl names an object: `deployment.apps/redis`, `namespace/slogate`."""
    group = document.api_version.rpartition("/")[0]
    return f"{document.kind.lower()}{'.' + group if group else ''}/{document.name}"


# what each root must list at least (a kustomization that lists too little fails here)
LISTS_AT_LEAST = {
    "k8s": {"Namespace", "Deployment", "Service", "Role", "ValidatingAdmissionPolicy"},
    "k8s/drill": {"CronJob", "PersistentVolumeClaim"},
    "k8s/drill/local-stack": {"CronJob", "PersistentVolumeClaim", "ServiceAccount"},
    "k8s/pushgateway": {"Deployment", "Service", "ServiceAccount"},
}


@pytest.mark.parametrize("root", KUSTOMIZE_ROOTS)
def test_every_object_passes_server_side_dry_run_then_applies(deployed: Applied, root: str) -> None:
    documents = sources(REPO / root)
    kinds = {document.kind for document in documents}
    assert LISTS_AT_LEAST[root] <= kinds, f"{root}/kustomization.yaml lists too little: {kinds}"
    dry_run = deployed.dry_run[root].splitlines()
    applied = deployed.applied[root].splitlines()
    for document in documents:
        name = printed_name(document)
        assert f"{name} serverside-applied (server dry run)" in dry_run, (
            f"{document.label} missing from the server-side dry-run of {root}:\n"
            f"{deployed.dry_run[root]}"
        )
        assert f"{name} serverside-applied" in applied, (
            f"{document.label} missing from the apply of {root}:\n{deployed.applied[root]}"
        )
    assert len(dry_run) == len(applied) == len(documents)


def test_the_namespace_enforces_the_restricted_standard(
    deployed: Applied, kubectl: Kubectl
) -> None:
    labels = kubectl.get("namespace", NAMESPACE)["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"


def test_pod_security_admission_accepts_the_target_and_refuses_a_weakened_copy(
    deployed: Applied, kubectl: Kubectl
) -> None:
    """The running pods passed PodSecurity; the same pod without its locks is refused, so
    the acceptance is the plugin's verdict, not an open door."""
    pods = kubectl.get(
        "pods", "--namespace", NAMESPACE, "--selector", "app.kubernetes.io/name=target-service"
    )["items"]
    assert len(pods) >= 3
    deployment = kubectl.get("deployment", "target-service", "--namespace", NAMESPACE)
    template = deployment["spec"]["template"]
    weakened = json.loads(json.dumps(template["spec"]))
    container = weakened["containers"][0]
    container["securityContext"] = {"allowPrivilegeEscalation": True}
    del weakened["securityContext"]["runAsNonRoot"]
    del weakened["securityContext"]["runAsUser"]
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "weakened-target", "namespace": NAMESPACE},
        "spec": weakened,
    }
    error = kubectl.refused("create", "--dry-run=server", "--filename", "-", stdin=json.dumps(pod))
    assert 'violates PodSecurity "restricted:latest"' in error, error
    assert "allowPrivilegeEscalation != false" in error, error
    assert "unrestricted capabilities" in error, error
    assert "runAsNonRoot != true" in error, error


def test_kubectl_is_the_release_tools_kubernetes_pins(kubectl: Kubectl) -> None:
    """The tests drive the kubectl built from tools/kubernetes, not one found on the machine."""
    go_mod = (REPO / "tools" / "kubernetes" / "go.mod").read_text()
    (pinned,) = re.findall(r"^\s*k8s.io/kubernetes (v\S+)", go_mod, flags=re.MULTILINE)
    versions = json.loads(kubectl.run("version", "--output=json").stdout)
    assert versions["clientVersion"]["gitVersion"] == pinned
    assert versions["serverVersion"]["gitVersion"] == pinned


def test_objects_in_a_namespace_that_does_not_exist_are_refused(
    deployed: Applied, kubectl: Kubectl
) -> None:
    """Why the Namespace is applied first: admission refuses the rest until it exists."""
    (deployment,) = load_documents(REPO / "k8s" / "target" / "deployment.yaml")
    body = json.loads(json.dumps(deployment.body))
    body["metadata"]["namespace"] = "slogate-not-created"
    error = kubectl.refused("apply", "--dry-run=server", "--filename", "-", stdin=json.dumps(body))
    assert 'namespaces "slogate-not-created" not found' in error, error

"""k8s/prometheus-operator/ (ServiceMonitor, PrometheusRule) against the Prometheus Operator's
own CustomResourceDefinitions, applied to the real control plane: the API server validates the
objects with the CRDs' schemas (and refuses broken copies), the PrometheusRule is what
`slogate rules` writes today, and the ServiceMonitor finds the target's Service and gives the
labels slogate selects on. The CRDs come from the operator's Go module (fetched once by
scripts/build-control-plane.sh), never from the internet at test time. No operator runs here:
nothing scrapes or evaluates the rules."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.k8s.applied import NAMESPACE, Applied
from tests.k8s.controlplane.binaries import BinariesMissing, find_prometheus_operator_crds
from tests.k8s.controlplane.kubectl import Kubectl
from tests.k8s.manifests import K8S_DIR, REPO, load_documents
from tests.support.cli import run_cli

FOLDER = K8S_DIR / "prometheus-operator"
CRDS = ("monitoring.coreos.com_servicemonitors.yaml", "monitoring.coreos.com_prometheusrules.yaml")
ESTABLISHED_TIMEOUT_S = 60


def document(name: str) -> dict[str, Any]:
    (only,) = load_documents(FOLDER / name)
    return only.body


def test_the_prometheus_rule_is_what_slogate_rules_writes(tmp_path: Path) -> None:
    """Regenerated from the SLO file with the command its kustomization names: no drift."""
    generated = tmp_path / "prometheusrule.yaml"
    result = run_cli(
        "rules", str(REPO / "slo" / "target-service.yaml"), "-o", str(tmp_path / "rules"),
        "--prometheus-rule", str(generated),
    )  # fmt: skip
    assert result.exit_code == 0, result
    assert f"wrote {generated} (target-service-slo)" in result.stdout
    assert generated.read_text() == (FOLDER / "prometheusrule.yaml").read_text(), (
        "k8s/prometheus-operator/prometheusrule.yaml is stale: regenerate it with the command "
        "in k8s/prometheus-operator/kustomization.yaml"
    )
    groups = {
        group["name"]
        for path in sorted((tmp_path / "rules").glob("*.yml"))
        for group in yaml.safe_load(path.read_text())["groups"]
    }
    assert {g["name"] for g in document("prometheusrule.yaml")["spec"]["groups"]} == groups


def test_the_service_monitor_labels_series_as_the_clusters_prometheus_does() -> None:
    """job="service", source="server" and replica=<pod name>, as k8s/prometheus/ sets them."""
    (endpoint,) = document("servicemonitor.yaml")["spec"]["endpoints"]
    set_by_monitor = {
        rule["targetLabel"]: rule.get("replacement") or tuple(rule["sourceLabels"])
        for rule in endpoint["relabelings"]
    }
    config = yaml.safe_load(document_of_prometheus_config())
    (service_job,) = [job for job in config["scrape_configs"] if job["job_name"] == "service"]
    set_by_prometheus = {
        rule["target_label"]: rule.get("replacement") or tuple(rule["source_labels"])
        for rule in service_job["relabel_configs"]
        if rule.get("target_label") in {"source", "replica"}
    }
    assert set_by_monitor == {**set_by_prometheus, "job": service_job["job_name"]}


def document_of_prometheus_config() -> str:
    (configmap,) = load_documents(K8S_DIR / "prometheus" / "configmap.yaml")
    text: str = configmap.body["data"]["prometheus.yml"]
    return text


@pytest.fixture(scope="module")
def crds(kubectl: Kubectl) -> None:
    """The operator's ServiceMonitor and PrometheusRule CRDs, applied and Established."""
    try:
        folder = find_prometheus_operator_crds()
    except BinariesMissing as error:
        pytest.fail(str(error), pytrace=False)
    for name in CRDS:
        kubectl.run("apply", "--server-side", "--filename", str(folder / name))
    kubectl.run(
        "wait", "--for=condition=Established", f"--timeout={ESTABLISHED_TIMEOUT_S}s",
        *(f"crd/{kind}.monitoring.coreos.com" for kind in ("servicemonitors", "prometheusrules")),
        timeout=ESTABLISHED_TIMEOUT_S + 10,
    )  # fmt: skip


@pytest.mark.slow
@pytest.mark.xdist_group("control-plane")
class TestAgainstTheOperatorsCRDs:
    def test_the_objects_pass_the_crds_validation_and_apply(
        self, crds: None, deployed: Applied, kubectl: Kubectl
    ) -> None:
        dry_run = kubectl.run(
            "apply", "--server-side", "--dry-run=server", "--kustomize", str(FOLDER)
        ).stdout
        assert "servicemonitor.monitoring.coreos.com/target-service serverside-applied" in dry_run
        assert "prometheusrule.monitoring.coreos.com/target-service-slo serverside-applied" in (
            dry_run
        )
        try:
            kubectl.run("apply", "--server-side", "--kustomize", str(FOLDER))
            stored = kubectl.get("prometheusrule", "target-service-slo", "--namespace", NAMESPACE)
            shipped = document("prometheusrule.yaml")["spec"]["groups"]
            assert stored["spec"]["groups"] == shipped  # nothing pruned by the schema
            monitor = kubectl.get("servicemonitor", "target-service", "--namespace", NAMESPACE)
            service = kubectl.get("service", "target-service", "--namespace", NAMESPACE)
            selector = monitor["spec"]["selector"]["matchLabels"]
            assert selector.items() <= service["metadata"]["labels"].items()
            ports = {port["name"] for port in service["spec"]["ports"]}
            assert {e["port"] for e in monitor["spec"]["endpoints"]} <= ports
        finally:
            kubectl.run("delete", "--kustomize", str(FOLDER), "--ignore-not-found")

    @pytest.mark.parametrize(
        ("name", "breaks", "refusal"),
        [
            ("prometheusrule.yaml", ("spec", "groups", 0, "rules", 0, "expr"), "expr"),
            ("servicemonitor.yaml", ("spec", "endpoints", 0, "interval"), "interval"),
        ],
    )
    def test_a_broken_copy_is_refused_by_the_crds_schema(
        self, crds: None, deployed: Applied, kubectl: Kubectl, name: str,
        breaks: tuple[str | int, ...], refusal: str, tmp_path: Path,
    ) -> None:  # fmt: skip
        """A rule without `expr`, a scrape interval of "5 seconds": the CRD's schema (not a
        check of slogate's) refuses them, so the acceptance above means something."""
        broken = copy.deepcopy(document(name))
        broken["metadata"]["namespace"] = NAMESPACE
        *path, last = breaks
        holder: Any = broken
        for step in path:
            holder = holder[step]
        if last == "expr":
            del holder[last]
        else:
            holder[last] = "5 seconds"
        file = tmp_path / name
        file.write_text(yaml.safe_dump(broken))
        result = kubectl.run_unchecked(
            "apply", "--server-side", "--dry-run=server", "-f", str(file)
        )
        assert result.returncode != 0, result.stdout
        assert refusal in result.stderr, result.stderr
        assert "Invalid value" in result.stderr or "Required value" in result.stderr, result.stderr

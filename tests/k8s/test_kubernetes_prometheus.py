"""k8s/prometheus/ on the real control plane: its config passes promtool (built with
Kubernetes service discovery: Debian's prometheus leaves it out), and a real Prometheus
running that config, discovering the target's pods through the real API server with the
`prometheus` ServiceAccount's token, gives each target the labels that slogate's SLO rules and
operational alerts select on, so they would fire in a cluster.

Pods are simulated by kwok: discovery and relabelling are real, every scrape fails (the pods
serve nothing), so each target's `up` series is 0, which is what the selectors are matched
against. The Prometheus here runs beside the control plane, not in a pod: the only change to
the ConfigMap's config is how it reaches the API server (address, CA, token and the
namespace, which in a pod it reads from its ServiceAccount's files)."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from slogate.slo.rules import operational_rules, slo_rules
from slogate.slo.spec import load_spec
from tests.k8s.applied import NAMESPACE, Applied
from tests.k8s.controlplane.binaries import find_binaries
from tests.k8s.controlplane.cluster import ControlPlane
from tests.k8s.controlplane.kubectl import Kubectl
from tests.k8s.manifests import K8S_DIR, REPO
from tests.k8s.target_pods import REPLICAS, settled
from tests.support.waiting import free_port, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("control-plane")]

CONFIG = K8S_DIR / "prometheus" / "configmap.yaml"
PROMTOOL_TIMEOUT_S = 30
HTTP_TIMEOUT_S = 5.0
DISCOVERY_TIMEOUT_S = 60
# the labels the "service" job's relabelling owns; a rule's matcher on any other label
# (route, status_class, le, ...) is about the target's own series
RELABELLED = {"job", "source", "container", "namespace", "pod", "replica"}
MATCHER = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"')


def in_cluster_config() -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load(
        yaml.safe_load(CONFIG.read_text())["data"]["prometheus.yml"]
    )
    return config


def promtool_check(config: dict[str, Any], folder: Path) -> subprocess.CompletedProcess[str]:
    path = folder / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    return subprocess.run(
        [str(find_binaries().promtool), "check", "config", str(path)],
        capture_output=True, text=True, timeout=PROMTOOL_TIMEOUT_S, check=False,
    )  # fmt: skip


def test_the_in_cluster_config_passes_promtool(tmp_path: Path) -> None:
    result = promtool_check(in_cluster_config(), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout + result.stderr
    # the check can fail: a relabel action Prometheus does not know is refused
    broken = in_cluster_config()
    broken["scrape_configs"][0]["relabel_configs"][0]["action"] = "kept"
    result = promtool_check(broken, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert 'unknown relabel action "kept"' in result.stdout + result.stderr


def outside_the_cluster(
    config: dict[str, Any], plane: ControlPlane, token: Path, namespace: str
) -> dict[str, Any]:
    """The config, reaching the API server from outside a pod."""
    for job in config["scrape_configs"]:
        for discovery in job.get("kubernetes_sd_configs", []):
            assert discovery["namespaces"] == {"own_namespace": True}
            discovery["namespaces"] = {"names": [namespace]}
            discovery["api_server"] = plane.server
            discovery["tls_config"] = {"ca_file": str(plane.pki / "ca.crt")}
            discovery["authorization"] = {"credentials_file": str(token)}
    return config


@pytest.fixture
def prometheus(
    tmp_path: Path, control_plane: ControlPlane, kubectl: Kubectl, deployed: Applied
) -> Iterator[str]:
    """A real Prometheus with the in-cluster config, as the `prometheus` ServiceAccount."""
    token = tmp_path / "token"
    token.write_text(
        kubectl.run(
            "create", "token", "prometheus", "--namespace", NAMESPACE, "--duration=10m"
        ).stdout.strip()
    )
    config = tmp_path / "prometheus.yml"
    config.write_text(
        yaml.safe_dump(outside_the_cluster(in_cluster_config(), control_plane, token, NAMESPACE))
    )
    port = free_port()
    log = (tmp_path / "prometheus.log").open("w")
    process = subprocess.Popen(
        [
            str(find_binaries().prometheus), f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'data'}", f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        log.close()


def query(prometheus: str, expr: str) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{prometheus}/api/v1/query", params={"query": expr}, timeout=HTTP_TIMEOUT_S
    )
    response.raise_for_status()
    result: list[dict[str, Any]] = response.json()["data"]["result"]
    return result


def relabelled_selectors(rules: dict[str, Any]) -> set[str]:
    """Each selector of the rules' expressions on the server's series (source="server"), the
    container's or the scrape job's, narrowed to the labels the relabelling owns. (The
    client's and the edge's series come from the load generator and the edge, which do not
    run in the cluster yet.)"""
    found = set()
    for group in rules["groups"]:
        for rule in group["rules"]:
            for block in re.findall(r"\{([^{}]*)\}", rule["expr"]):
                owned = sorted(m for m in MATCHER.findall(block) if m[0] in RELABELLED)
                names = {name for name, _, _ in owned}
                if ("source", "=", "server") in owned or names & {"container", "job"}:
                    found.add(",".join(f'{n}{op}"{v}"' for n, op, v in owned))
    return found


def test_relabelled_targets_carry_the_labels_the_rules_select_on(
    prometheus: str, kubectl: Kubectl
) -> None:
    pods = {pod["metadata"]["name"] for pod in settled(kubectl)}

    def discovered() -> list[dict[str, str]] | None:
        try:
            series = query(prometheus, 'up{job="service"}')
        except httpx.HTTPError:
            return None
        labels = [item["metric"] for item in series]
        return labels if {m.get("pod") for m in labels} == pods else None

    targets = wait_until(discovered, DISCOVERY_TIMEOUT_S, interval=0.5, what="targets scraped")
    assert len(targets) == REPLICAS
    for labels in targets:
        assert labels["source"] == "server"
        assert labels["container"] == "target-service"
        assert labels["namespace"] == NAMESPACE
        assert labels["replica"] == labels["pod"]
        assert labels["instance"].endswith(":8000")  # the prometheus.io/port annotation

    spec = load_spec(REPO / "slo" / "target-service.yaml")
    selectors = relabelled_selectors(slo_rules(spec)) | relabelled_selectors(operational_rules())
    assert 'container="target-service"' in selectors and 'source="server"' in selectors
    for selector in sorted(selectors):
        assert len(query(prometheus, f"up{{{selector}}}")) == REPLICAS, selector
    # the selector the rules had before, never matched here: such a rule would never fire
    assert query(prometheus, 'up{container="target"}') == []


def test_the_pushgateway_holding_the_drills_verdicts_is_discovered(
    prometheus: str, kubectl: Kubectl
) -> None:
    """The `pushgateway` job finds the Pushgateway's pod (k8s/pushgateway/) at its port. kwok's
    pod answers nothing, so `up` is 0 here: discovery and relabelling are what is shown."""
    (pod,) = kubectl.get(
        "pods", "--namespace", NAMESPACE, "--selector", "app.kubernetes.io/name=pushgateway"
    )["items"]

    def discovered() -> list[dict[str, Any]] | None:
        try:
            return query(prometheus, 'up{job="pushgateway"}') or None
        except httpx.HTTPError:
            return None

    (series,) = wait_until(discovered, DISCOVERY_TIMEOUT_S, interval=0.5, what="the pushgateway")
    assert series["metric"]["instance"] == f"{pod['status']['podIP']}:9091"

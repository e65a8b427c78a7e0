"""The Prometheus a Kubernetes stack with traffic runs on this machine: its generated config
scrapes the load generator exactly as the local stack's Prometheus does and federates the
in-cluster one (`/federate`, the target's jobs, its labels kept), which the real `promtool`
accepts; and what the platform then cannot measure. The running federation is exercised by
tests/k8s/test_kubernetes_gate.py and test_kubernetes_port_forward.py."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from slogate.config import parse_config
from slogate.errors import ConfigError
from slogate.gate.measurable import unmeasured_places
from slogate.platform.kubernetes.local_prometheus import (
    LOCAL_PROMETHEUS,
    federating_config,
    start_local_prometheus,
    stop_local_prometheus,
)
from slogate.platform.kubernetes.reach import CLUSTER_SERVICE, PROMETHEUS, TARGET
from slogate.platform.local.prometheus import ScrapeTargets, prometheus_config
from slogate.platform.prometheus_server import write_prometheus_config
from slogate.platform.registry import platform_for
from slogate.platform.state import PartState, StackState

CLUSTER = "127.0.0.1:40123"  # the in-cluster Prometheus' port-forward
PROMTOOL_TIMEOUT_S = 30


def jobs(config: dict[str, object]) -> dict[str, dict[str, object]]:
    return {job["job_name"]: job for job in config["scrape_configs"]}  # type: ignore[attr-defined]


def test_it_scrapes_the_client_as_the_local_stack_does_and_federates_the_targets_jobs() -> None:
    config = federating_config(9646, CLUSTER, ['{job="service"}'], 1.0, "k8s")
    assert set(jobs(config)) == {"client", "federate"}
    local = prometheus_config(
        ScrapeTargets([8001], 8404, 8500, 9646, "/metrics"), Path("r"), 1.0, "k8s"
    )
    assert jobs(config)["client"] == jobs(local)["client"]
    assert jobs(config)["client"]["static_configs"] == [
        {"targets": ["127.0.0.1:9646"], "labels": {"source": "client"}}
    ]
    assert jobs(config)["federate"] == {
        "job_name": "federate",
        "honor_labels": True,  # the series keep job, source="server", replica, pod
        "metrics_path": "/federate",
        "params": {"match[]": ['{job="service"}']},
        # twice per in-cluster scrape: every sample it takes is fetched
        "scrape_interval": "500ms",
        "scrape_timeout": "500ms",
        "static_configs": [{"targets": [CLUSTER]}],
    }
    assert config["global"]["scrape_interval"] == local["global"]["scrape_interval"] == "1000ms"


def test_promtool_accepts_it(tmp_path: Path) -> None:
    config = federating_config(9646, CLUSTER, ['{job="service"}', 'up{job=~"redis|x"}'], 1.0, "k8s")
    path = tmp_path / "prometheus-local.yml"
    write_prometheus_config(config, path)
    checked = subprocess.run(
        ["promtool", "check", "config", str(path)],
        capture_output=True, text=True, timeout=PROMTOOL_TIMEOUT_S, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_what_to_federate_is_configurable_and_checked(tmp_path: Path) -> None:
    source = str(tmp_path / "slogate.yaml")
    default = parse_config({"platform": "kubernetes"}, source).kubernetes.federate
    assert default == ['{job="service"}']
    with pytest.raises(ConfigError) as raised:
        parse_config({"kubernetes": {"federate": ["job=service"]}}, source)
    message = str(raised.value)
    assert f"{source}: kubernetes.federate" in message
    assert "'job=service' is not a PromQL series selector" in message


def state(*parts: PartState) -> StackState:
    return StackState(
        stack="k8s", platform="kubernetes", started_at=0, run_dir="r", parts=list(parts)
    )


def test_the_client_is_measurable_on_a_stack_with_the_local_prometheus_only() -> None:
    kubernetes = platform_for("kubernetes")
    local = PartState(name=LOCAL_PROMETHEUS, kind="prometheus", port=1, url="http://127.0.0.1:1")
    assert set(unmeasured_places(kubernetes, state(local))) == {"edge"}
    without_traffic = unmeasured_places(kubernetes, state())
    assert set(without_traffic) == {"edge", "client"}
    assert "kubernetes.traffic: false" in without_traffic["client"]
    assert "the in-cluster one cannot reach it" in without_traffic["client"]
    assert unmeasured_places(platform_for("local"), state()) == {}


def test_in_a_pod_it_federates_the_in_cluster_prometheus_at_its_dns_name(tmp_path: Path) -> None:
    """The drill's pod (cluster-dns reach mode) starts the same Prometheus beside its load
    generator, federating the in-cluster one at the URL reach_by_cluster_dns gives it; the
    client is then measurable there as on an engineer's machine. A real Prometheus: a name
    that does not resolve here only makes its federation target down, not its start fail."""
    config = parse_config({"platform": "kubernetes", "kubernetes": {"namespace": "shop"}}, "x")
    (tmp_path / "logs").mkdir()
    part = start_local_prometheus(
        config, "drill", tmp_path, 9646, "http://prometheus.shop.svc:9090", detached=False
    )
    try:
        written = yaml.safe_load((tmp_path / f"{LOCAL_PROMETHEUS}.yml").read_text())
        assert jobs(written)["federate"]["static_configs"] == [
            {"targets": ["prometheus.shop.svc:9090"]}
        ]
        assert jobs(written)["client"]["static_configs"] == [
            {"targets": ["127.0.0.1:9646"], "labels": {"source": "client"}}
        ]
        assert part.extra == {"federates": "prometheus.shop.svc:9090", "client": "127.0.0.1:9646"}
        by_dns = [
            PartState(name=name, kind=CLUSTER_SERVICE, url=url)
            for name, url in (
                (PROMETHEUS, "http://prometheus.shop.svc:9090"),
                (TARGET, "http://target-service.shop.svc:8080"),
            )
        ]
        assert set(unmeasured_places(platform_for("kubernetes"), state(*by_dns, part))) == {"edge"}
        without = unmeasured_places(platform_for("kubernetes"), state(*by_dns))
        assert "this machine" not in without["client"]  # true in a pod too
    finally:
        stopped = stop_local_prometheus([part], None)
    assert part.process is not None and stopped == [part.process.pid]


@pytest.mark.parametrize("traffic", [True, False])
def test_doctor_asks_for_prometheus_only_with_traffic(tmp_path: Path, traffic: bool) -> None:
    settings = {"traffic": traffic, "kubeconfig": str(tmp_path / "none"), "kubectl": "true"}
    config = parse_config({"platform": "kubernetes", "kubernetes": settings}, "slogate.yaml")
    checks = platform_for("kubernetes").doctor(config)
    prometheus = [c for c in checks if c.detail.startswith("prometheus ")]
    if traffic:
        (found,) = prometheus
        assert found.ok and "/prometheus" in found.detail, found  # installed here (make setup)
    else:
        assert prometheus == []

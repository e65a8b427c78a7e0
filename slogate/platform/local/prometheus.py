"""The stack's Prometheus: generated config, rule files from the run folder, readiness.

Scrape jobs (the contract in the brief): "service" (one target per replica, labels
`replica="0".."N-1"`, `source="server"`), "edge" (HAProxy's exporter, `source="edge"`),
"supervisor", "client" (the load generator's port, reserved now, `source="client"`).
Scrape and evaluation interval: 1 s by default.

Rule files: every `*.yml` / `*.yaml` in `<run dir>/rules/`. Whoever writes rules there calls
`reload_prometheus`: the supervisor, which owns the process, sends it SIGHUP. The lifecycle API
(`POST /-/reload`, `/-/quit`) stays off, so no other local user can stop or reload it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from slogate.errors import InfrastructureError
from slogate.host.ports import HOST
from slogate.platform.prometheus_server import client_scrape_job, global_settings
from slogate.platform.stack_secrets import admin_headers
from slogate.platform.state import StackState


@dataclass(frozen=True)
class ScrapeTargets:
    replica_ports: list[int]
    edge_metrics_port: int
    supervisor_port: int
    client_metrics_port: int
    metrics_path: str


def rules_dir(run_dir: Path) -> Path:
    """Where generated rule files go."""
    return run_dir / "rules"


def prometheus_config(
    targets: ScrapeTargets, run_dir: Path, interval_s: float, stack: str
) -> dict[str, Any]:
    """The generated prometheus.yml, as data."""
    rules = rules_dir(run_dir)
    return {
        "global": global_settings(interval_s, stack),
        "rule_files": [str(rules / "*.yml"), str(rules / "*.yaml")],
        "scrape_configs": [
            {
                "job_name": "service",
                "metrics_path": targets.metrics_path,
                "static_configs": [
                    {
                        "targets": [f"{HOST}:{port}"],
                        "labels": {"replica": str(i), "source": "server"},
                    }
                    for i, port in enumerate(targets.replica_ports)
                ],
            },
            {
                "job_name": "edge",
                "static_configs": [
                    {
                        "targets": [f"{HOST}:{targets.edge_metrics_port}"],
                        "labels": {"source": "edge"},
                    }
                ],
            },
            {
                "job_name": "supervisor",
                "static_configs": [{"targets": [f"{HOST}:{targets.supervisor_port}"]}],
            },
            client_scrape_job(targets.client_metrics_port),
        ],
    }


_LAST_RELOAD = "prometheus_config_last_reload_success_timestamp_seconds"
_RELOAD_OK = "prometheus_config_last_reload_successful"


def _reload_gauges(url: str, timeout: float) -> tuple[float, float]:
    """Prometheus' own (time of its last successful reload, 1 if the last reload worked)."""
    response = httpx.get(f"{url}/metrics", timeout=timeout)
    response.raise_for_status()
    values = {
        sample.name: sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
        if sample.name in (_LAST_RELOAD, _RELOAD_OK)
    }
    return values[_LAST_RELOAD], values[_RELOAD_OK]


def reload_prometheus(state: StackState, timeout: float = 10.0) -> None:
    """Reload the config and rule files (after new rules were written) and wait until
    Prometheus has: the supervisor sends it SIGHUP (its control API, with the stack's token)."""
    if state.prometheus_url is None or state.supervisor_url is None:
        raise InfrastructureError(f"stack {state.stack!r} is not up (no Prometheus to reload)")
    url = state.prometheus_url
    deadline = time.monotonic() + timeout
    reloaded_at, ok_before = _reload_gauges(url, timeout)
    response = httpx.post(
        f"{state.supervisor_url}/parts/prometheus/reload",
        headers=admin_headers(state.stack), timeout=timeout,
    )  # fmt: skip
    if response.status_code != 202:
        raise InfrastructureError(
            f"the supervisor refused to reload Prometheus: {response.status_code} "
            f"{response.text[:200]}"
        )
    ok = ok_before
    while time.monotonic() < deadline:
        last, ok = _reload_gauges(url, timeout)
        if last > reloaded_at:
            return
        if ok == 0 and ok_before == 1:
            break
        time.sleep(0.05)
    raise InfrastructureError(
        f"Prometheus did not reload its config and rules within {timeout:g} s "
        f"({_RELOAD_OK} is {ok:g}); see its log in {state.run_dir}/logs/prometheus.log"
    )

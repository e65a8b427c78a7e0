"""The rule files `slogate rules` wrote, as one Prometheus Operator PrometheusRule
(monitoring.coreos.com/v1), for clusters that run the operator (k8s/prometheus-operator/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from slogate.errors import ConfigError
from slogate.slo.rules import dump_rule_yaml

__all__ = ["prometheus_rule", "write_prometheus_rule"]


def prometheus_rule(rule_files: list[Path], name: str) -> dict[str, Any]:
    """A PrometheusRule named `name` holding every group of `rule_files`, in order (no
    namespace: the kustomization that lists it sets one)."""
    groups: list[Any] = []
    for path in rule_files:
        groups += (yaml.safe_load(path.read_text()) or {}).get("groups", [])
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/name": "slogate-rules"}},
        "spec": {"groups": groups},
    }


def write_prometheus_rule(rule_files: list[Path], path: Path, name: str) -> Path:
    """Write the PrometheusRule of `rule_files` to `path` (a ConfigError naming it when the
    folder cannot be written)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump_rule_yaml(prometheus_rule(rule_files, name)))
    except OSError as error:
        raise ConfigError(str(path), "", f"cannot be written ({error.strerror})") from None
    return path

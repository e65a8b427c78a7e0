"""Prometheus rules from an SLO spec, and the target's operational alerts.

From one spec (DESIGN.md: one spec drives both the CI gate and the production alerts):

- recording rules `slogate:error_ratio:rate<W>` per objective and place (labels slo, objective,
  place) for W in 5m, 30m, 1h, 6h, 3d;
- multi-window, multi-burn-rate alerts (SRE workbook, for a 30-day period: 14.4x over 1h and
  5m, 6x over 6h and 30m, both paging; 1x over 3d and 6h, a ticket). For another period the
  factors keep the workbook's budget shares (2 %, 5 %, 10 %);
- an absent-data alert per objective and place (its total series sends nothing for 5m).

`write_rule_files(spec, directory)` writes `<name>.slo.rules.yml` and, unless told not to,
`target-operational.rules.yml` (error rate > 5 % for 5m, p95 > 1 s, no replica up, restarts,
memory > 90 % of the limit, event-loop lag > 100 ms). The local platform loads both from its
run folder's `rules/`.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from slogate.errors import MissingDependencyError
from slogate.slo import promql
from slogate.slo.service_metrics import DEFAULT_METRICS, ServiceMetrics
from slogate.slo.spec import Objective, Place, SLOSpec, parse_duration

RECORDING_WINDOWS = ("5m", "30m", "1h", "6h", "3d")
OPERATIONAL_FILE = "target-operational.rules.yml"
DEFAULT_MEMORY_LIMIT_BYTES = 512 * 1024 * 1024
# The target's container on Kubernetes (k8s/target/deployment.yaml), as the in-cluster
# Prometheus (k8s/prometheus/), cAdvisor and kube-state-metrics label its series.
TARGET_CONTAINER = "target-service"


@dataclass(frozen=True)
class BurnAlert:
    """One multi-window burn-rate alert: the share of the period's budget spent in `long`."""

    name: str
    budget_share: float
    long: str
    short: str
    severity: str

    def factor(self, period_s: float) -> float:
        """The burn rate that spends `budget_share` of the budget within `long`."""
        return round(self.budget_share * period_s / _seconds(self.long), 6)


BURN_ALERTS = (
    BurnAlert("SLOFastBurn", 0.02, "1h", "5m", "page"),  # 14.4x for 30d
    BurnAlert("SLOSlowBurn", 0.05, "6h", "30m", "page"),  # 6x for 30d
    BurnAlert("SLOBudgetBurn", 0.10, "3d", "6h", "ticket"),  # 1x for 30d
)


def _seconds(window: str) -> float:
    return parse_duration(window)


def _le(threshold: float) -> str:
    """A matcher for the bucket `le` whatever its spelling (`1`, `1.0`)."""
    spellings = {repr(float(threshold)), f"{threshold:g}"}
    return 'le=~"' + "|".join(sorted(s.replace(".", "\\\\.") for s in spellings)) + '"'


def error_ratio_expr(spec: SLOSpec, objective: Objective, place: Place, window: str) -> str | None:
    """The bad share over `window` as PromQL (None for throughput and startup objectives)."""
    kind = promql.objective_kind(objective, set(spec.spec.slis))
    matcher = promql.DEFAULT_PLACE_MATCHERS[place]
    metrics = spec.spec.metrics
    if kind == "availability":
        bad = promql.errors_selector(place, matcher, metrics)
        total = promql.requests_selector(place, matcher, metrics)
        return f"(sum(rate({bad}[{window}])) or vector(0)) / sum(rate({total}[{window}]))"
    if kind in ("latency", "event_loop_lag"):
        assert objective.threshold is not None
        if kind == "latency":
            buckets = promql.latency_buckets_selector(
                place, matcher, objective.client_timing, metrics
            )
        else:
            buckets = promql.lag_buckets_selector(matcher)
        good = _with(buckets, _le(objective.threshold))
        everything = _with(buckets, 'le="+Inf"')
        return f"1 - sum(rate({good}[{window}])) / sum(rate({everything}[{window}]))"
    if kind == "custom":
        custom = spec.spec.slis[objective.sli]
        if custom.histogram is not None or custom.total is None:
            return None
        total = f"sum(rate({custom.total}[{window}]))"
        if custom.bad is not None:
            return f"(sum(rate({custom.bad}[{window}])) or vector(0)) / {total}"
        return f"1 - sum(rate({custom.good}[{window}])) / {total}"
    return None


def _with(selector: str, matcher: str) -> str:
    return promql.with_matchers(selector, [matcher])


def _total_selector(spec: SLOSpec, objective: Objective, place: Place) -> str:
    kind = promql.objective_kind(objective, set(spec.spec.slis))
    matcher = promql.DEFAULT_PLACE_MATCHERS[place]
    if kind == "custom":
        total = spec.spec.slis[objective.sli].total
        assert total is not None
        return total
    if kind == "event_loop_lag":
        return _with(promql.lag_buckets_selector(matcher), 'le="+Inf"')
    if kind == "latency":
        buckets = promql.latency_buckets_selector(
            place, matcher, objective.client_timing, spec.spec.metrics
        )
        return _with(buckets, 'le="+Inf"')
    return promql.requests_selector(place, matcher, spec.spec.metrics)


def slo_rules(spec: SLOSpec) -> dict[str, Any]:
    """The rule file (as data) for `spec`'s ratio objectives."""
    name = spec.metadata.name
    recording: list[dict[str, Any]] = []
    alerts: list[dict[str, Any]] = []
    for objective in spec.spec.objectives:
        for place in objective.measured_at:
            if error_ratio_expr(spec, objective, place, "5m") is None:
                continue
            labels = {"slo": name, "objective": objective.name, "place": place.value}
            matchers = ",".join(f'{k}="{v}"' for k, v in labels.items())
            for window in RECORDING_WINDOWS:
                recording.append(
                    {
                        "record": f"slogate:error_ratio:rate{window}",
                        "expr": error_ratio_expr(spec, objective, place, window),
                        "labels": labels,
                    }
                )
            assert objective.target is not None
            allowed = round(1.0 - objective.target, 9)
            for burn in BURN_ALERTS:
                threshold = f"({burn.factor(spec.period_s):g} * {allowed:g})"
                expr = (
                    f"slogate:error_ratio:rate{burn.long}{{{matchers}}} > {threshold}\n"
                    f"and\nslogate:error_ratio:rate{burn.short}{{{matchers}}} > {threshold}"
                )
                alerts.append(
                    {
                        "alert": burn.name,
                        "expr": expr,
                        "labels": {**labels, "severity": burn.severity},
                        "annotations": {
                            "summary": f"{name}/{objective.name} at {place.value} burns its "
                            f"error budget {burn.factor(spec.period_s):g}x too fast "
                            f"({burn.long} and {burn.short} windows)",
                        },
                    }
                )
            total = _total_selector(spec, objective, place)
            alerts.append(
                {
                    "alert": "SLONoData",
                    "expr": f"absent(sum(rate({total}[5m])))",
                    "for": "5m",
                    "labels": {**labels, "severity": "ticket"},
                    "annotations": {
                        "summary": f"{name}/{objective.name} at {place.value}: no data for "
                        "5m, the SLO cannot be judged"
                    },
                }
            )
    return {
        "groups": [
            {"name": f"slogate-{name}-recording", "interval": "30s", "rules": recording},
            {"name": f"slogate-{name}-alerts", "rules": alerts},
        ]
    }


def operational_rules(
    memory_limit_bytes: int = DEFAULT_MEMORY_LIMIT_BYTES,
    service_job: str = "service",
    metrics: ServiceMetrics = DEFAULT_METRICS,
) -> dict[str, Any]:
    """The target's operational alerts (both local-platform and Kubernetes series), on the
    service's request metrics as its SLO file names them."""
    server = promql.DEFAULT_PLACE_MATCHERS[Place.SERVER]
    container = f'container="{TARGET_CONTAINER}"'
    requests = promql.requests_selector(Place.SERVER, server, metrics)
    errors = promql.errors_selector(Place.SERVER, server, metrics)
    buckets = promql.latency_buckets_selector(Place.SERVER, server, "", metrics)
    rules = [
        (
            "TargetHighErrorRate",
            f"sum(rate({errors}[5m]))\n/ sum(rate({requests}[5m])) > 0.05",
            "5m",
            "page",
            "more than 5 % of API requests fail (5xx) for 5 minutes",
        ),
        (
            "TargetHighLatencyP95",
            f"histogram_quantile(0.95,\n  sum by (le) (rate({buckets}[5m]))) > 1",
            "5m",
            "page",
            "API p95 latency above 1 s for 5 minutes",
        ),
        (
            "TargetNoReplicaUp",
            f'sum(up{{job="{service_job}"}}) == 0 or absent(up{{job="{service_job}"}})',
            "1m",
            "page",
            "no replica of the target is up",
        ),
        (
            "TargetRestarts",
            "increase(slogate_restarts_total[15m]) > 0\n"
            f"or increase(kube_pod_container_status_restarts_total{{{container}}}[15m]) > 0",
            "0s",
            "ticket",
            "a replica restarted in the last 15 minutes",
        ),
        (
            "TargetMemoryHigh",
            f"process_resident_memory_bytes{{{server}}} > 0.9 * {memory_limit_bytes}\n"
            f"or container_memory_working_set_bytes{{{container}}}\n"
            "  / on (namespace, pod, container)\n"
            f'  kube_pod_container_resource_limits{{{container},resource="memory"}} > 0.9',
            "5m",
            "ticket",
            "a replica uses more than 90 % of its memory limit",
        ),
        (
            "TargetEventLoopLagHigh",
            "histogram_quantile(0.99,\n"
            f"  sum by (replica, le) (rate(event_loop_lag_seconds_bucket{{{server}}}[5m]))) > 0.1",
            "5m",
            "ticket",
            "a replica's event loop lags more than 100 ms (p99) for 5 minutes",
        ),
    ]
    return {
        "groups": [
            {
                "name": "target-operational",
                "rules": [
                    {
                        "alert": name,
                        "expr": expr,
                        "for": for_,
                        "labels": {"severity": severity},
                        "annotations": {"summary": summary},
                    }
                    for name, expr, for_, severity, summary in rules
                ],
            }
        ]
    }


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump_rule_yaml(data: dict[str, Any]) -> str:
    header = "# Generated by `slogate rules`; edit the SLO spec, not this file.\n"
    return header + yaml.dump(data, Dumper=_NoAliases, sort_keys=False, width=100)


def write_rule_files(
    spec: SLOSpec,
    directory: Path,
    operational: bool = True,
    memory_limit_bytes: int = DEFAULT_MEMORY_LIMIT_BYTES,
) -> list[Path]:
    """Write the spec's rule file (and the operational one) into `directory`; their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written = [directory / f"{spec.metadata.name}.slo.rules.yml"]
    written[0].write_text(dump_rule_yaml(slo_rules(spec)))
    if operational:
        path = directory / OPERATIONAL_FILE
        path.write_text(
            dump_rule_yaml(operational_rules(memory_limit_bytes, metrics=spec.spec.metrics))
        )
        written.append(path)
    return written


PROMTOOL_TIMEOUT_S = 60.0


def promtool_problems(paths: list[Path]) -> str | None:
    """What `promtool check rules` says is wrong with the files (None: they passed).

    MissingDependencyError when promtool (Debian's prometheus package) is not installed."""
    promtool = shutil.which("promtool")
    if promtool is None:
        raise MissingDependencyError("promtool", "prometheus")
    result = subprocess.run(
        [promtool, "check", "rules", *map(str, paths)],
        capture_output=True, text=True, timeout=PROMTOOL_TIMEOUT_S, check=False,
    )  # fmt: skip
    if result.returncode == 0:
        return None
    lines = [line.strip() for line in (result.stdout + result.stderr).splitlines()]
    return "; ".join(line for line in lines if line and "SUCCESS" not in line)

"""A Grafana dashboard generated from an SLO file (`slogate dashboard SLO_FILE`).

Two rows. The service: the panels of the target's own metrics at the server (the replicas'
series, `source="server"`, as both platforms' Prometheus label them): request rate by route,
p95/p99 latency, error rate, requests in flight, memory, CPU, Redis operations and their
latency, the circuit breaker, event-loop lag, the business counts and garbage collection.
The SLOs: for every ratio objective of the file (availability, latency, event-loop lag, a
custom ratio) at every place it is measured, the burn rate over 5 m and 1 h (the bad share
over what the objective allows: 1 spends the budget exactly over the period) and the budget
left over the SLO's period, from the same PromQL as the rules of `slogate rules`.

Queries use Grafana's `$__rate_interval` and a `datasource` variable; nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slogate.slo import promql
from slogate.slo.rules import error_ratio_expr
from slogate.slo.spec import Place, SLOSpec

__all__ = ["Panel", "dashboard", "panels"]

RATE = "$__rate_interval"
SERVER = promql.DEFAULT_PLACE_MATCHERS[Place.SERVER]
BURN_WINDOWS = ("5m", "1h")
WIDTH, HEIGHT = 12, 8


@dataclass(frozen=True)
class Panel:
    """One time-series panel: its queries as (legend, PromQL)."""

    title: str
    unit: str
    queries: list[tuple[str, str]] = field(default_factory=list)


def _server(metric: str, *matchers: str) -> str:
    return promql.selector(metric, SERVER, *matchers)


def _quantile(q: float, buckets: str, by: str = "") -> str:
    return f"histogram_quantile({q:g}, sum by (le{by}) (rate({buckets}[{RATE}])))"


def service_panels() -> list[Panel]:
    """The target's own metrics (see the module's docstring)."""
    requests = promql.requests_selector(Place.SERVER, SERVER)
    errors = promql.errors_selector(Place.SERVER, SERVER)
    latency = promql.latency_buckets_selector(Place.SERVER, SERVER, "service")
    redis = _server("redis_operation_duration_seconds_bucket")
    lag = promql.lag_buckets_selector(SERVER)
    counts = ("organisations", "clinics", "assignments")
    return [
        Panel("Request rate by route", "reqps",
              [("{{route}}", f"sum by (route) (rate({requests}[{RATE}]))")]),
        Panel("Latency p95 / p99", "s",
              [("p95", _quantile(0.95, latency)), ("p99", _quantile(0.99, latency))]),
        Panel("Error rate (5xx)", "percentunit",
              [("errors", f"(sum(rate({errors}[{RATE}])) or vector(0)) / "
                          f"sum(rate({requests}[{RATE}]))")]),
        Panel("Requests in flight", "short",
              [("{{replica}}", f"sum by (replica) ({_server('http_requests_in_flight')})")]),
        Panel("Memory (resident)", "bytes",
              [("{{replica}}",
                f"sum by (replica) ({_server('process_resident_memory_bytes')})")]),
        Panel("CPU", "percentunit",
              [("{{replica}}",
                f"sum by (replica) (rate({_server('process_cpu_seconds_total')}[{RATE}]))")]),
        Panel("Redis operations", "ops",
              [("{{operation}} {{outcome}}", "sum by (operation, outcome) "
                f"(rate({_server('redis_operations_total')}[{RATE}]))")]),
        Panel("Redis latency p95", "s",
              [("{{operation}}", _quantile(0.95, redis, ", operation"))]),
        Panel("Circuit breaker (0 closed, 1 half-open, 2 open)", "short",
              [("{{dependency}}",
                f"max by (dependency) ({_server('circuit_breaker_state')})")]),
        Panel("Event-loop lag p99", "s", [("{{replica}}", _quantile(0.99, lag, ", replica"))]),
        Panel("Business counts", "short",
              [(name, f"max({_server(f'clinic_{name}')})") for name in counts]),
        Panel("Garbage collections", "short",
              [("gen {{generation}}", "sum by (generation) "
                f"(rate({_server('python_gc_collections_total')}[{RATE}]))")]),
    ]  # fmt: skip


def slo_panels(spec: SLOSpec) -> list[Panel]:
    """Burn rate and budget left for every ratio objective at every place it is measured."""
    result = []
    for objective in spec.spec.objectives:
        places = [p for p in objective.measured_at if error_ratio_expr(spec, objective, p, "5m")]
        if not places or objective.target is None:
            continue
        allowed = f"{round(1.0 - objective.target, 9):g}"
        burn = [
            (f"{place.value} {window}",
             f"({error_ratio_expr(spec, objective, place, window)}) / {allowed}")
            for place in places
            for window in BURN_WINDOWS
        ]  # fmt: skip
        period = spec.spec.period
        budget = [
            (place.value, f"1 - ({error_ratio_expr(spec, objective, place, period)}) / {allowed}")
            for place in places
        ]
        result.append(Panel(f"{objective.name}: burn rate (1 = budget spent in {period})", "short",
                            burn))  # fmt: skip
        result.append(Panel(f"{objective.name}: error budget left ({period})", "percentunit",
                            budget))  # fmt: skip
    return result


def panels(spec: SLOSpec) -> list[Panel]:
    return [*service_panels(), *slo_panels(spec)]


def _panel_json(panel: Panel, panel_id: int, x: int, y: int) -> dict[str, Any]:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return {
        "id": panel_id,
        "type": "timeseries",
        "title": panel.title,
        "gridPos": {"x": x, "y": y, "w": WIDTH, "h": HEIGHT},
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "fieldConfig": {"defaults": {"unit": panel.unit}, "overrides": []},
        "targets": [
            {"refId": letters[i], "expr": expr, "legendFormat": legend,
             "datasource": {"type": "prometheus", "uid": "${datasource}"}}
            for i, (legend, expr) in enumerate(panel.queries)
        ],
    }  # fmt: skip


def _row(title: str, panel_id: int, y: int) -> dict[str, Any]:
    return {"id": panel_id, "type": "row", "title": title, "collapsed": False,
            "gridPos": {"x": 0, "y": y, "w": 24, "h": 1}, "panels": []}  # fmt: skip


def dashboard(spec: SLOSpec) -> dict[str, Any]:
    """The Grafana dashboard JSON model (schemaVersion 39) for `spec`."""
    name = spec.metadata.name
    layout: list[dict[str, Any]] = []
    y = 0
    for title, group in (("Service", service_panels()), ("SLOs", slo_panels(spec))):
        layout.append(_row(title, len(layout) + 1, y))
        y += 1
        for index, panel in enumerate(group):
            x = (index % 2) * WIDTH
            layout.append(_panel_json(panel, len(layout) + 1, x, y))
            if index % 2 == 1 or index == len(group) - 1:
                y += HEIGHT
    return {
        "title": f"slogate: {name}",
        "uid": f"slogate-{name}"[:40],
        "tags": ["slogate", "slo"],
        "schemaVersion": 39,
        "editable": True,
        "time": {"from": "now-1h", "to": "now"},
        "refresh": "10s",
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "type": "datasource",
                    "query": "prometheus",
                    "label": "Prometheus",
                    "current": {},
                    "hide": 0,
                }
            ]
        },
        "panels": layout,
    }

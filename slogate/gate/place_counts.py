"""Requests and errors counted at the client, the server and the edge over one window, and,
when a place's total cannot be counted, why (so the reconciliation says so instead of
printing `server None / None`).

The server's series are the service's own (the SLO file's `spec.metrics`); when its request
counter yields nothing, one more query tells "no counter of that name at all" from "the
counter exists but no route matches".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from slogate.slo import promql
from slogate.slo.counting import count_counters
from slogate.slo.evaluate import Window
from slogate.slo.prometheus import PrometheusClient
from slogate.slo.service_metrics import DEFAULT_METRICS, ServiceMetrics
from slogate.slo.spec import Place


@dataclass
class PlaceCounts:
    """`counts` has client_total, client_errors, server_total, ... (None: not counted);
    `missing` says, per place whose total is None, why."""

    counts: dict[str, int | None] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)

    def why_not_compared(self) -> str | None:
        """Why the client and server totals cannot be compared (None: they can)."""
        reasons = [
            f"{place}: {self.missing[place]}"
            for place in (Place.CLIENT.value, Place.SERVER.value)
            if place in self.missing
        ]
        return "; ".join(reasons) or None


def _count(client: PrometheusClient, series: str, window: Window) -> tuple[int | None, str]:
    """The count, or None and why."""
    try:
        count = count_counters(client, series, window.start, window.end)
    except Exception as error:  # the reconciliation reports it; the verdicts judge the run
        return None, f"Prometheus did not answer ({error})"
    if count.nan:
        return None, f"NaN samples in {series}"
    if not count.present:
        return None, f"no series matches {series} in the window"
    return round(count.total), ""


def _why_no_server_total(
    client: PrometheusClient, metrics: ServiceMetrics, window: Window, fallback: str
) -> str:
    matcher = promql.DEFAULT_PLACE_MATCHERS[Place.SERVER]
    counter = promql.with_matchers(metrics.requests, [matcher])
    total, _ = _count(client, counter, window)
    if total is None:
        return (
            f"the service exposes no request counter {counter} (the SLO file's "
            "spec.metrics.requests names it)"
        )
    routes = promql.api_routes(Place.SERVER, metrics)
    return (
        f"{fallback}: the service's {metrics.requests} has no series with {routes} "
        "(the SLO file's spec.metrics.route_label and routes choose them)"
    )


def count_places(
    client: PrometheusClient, window: Window, metrics: ServiceMetrics = DEFAULT_METRICS
) -> PlaceCounts:
    """Requests and errors at the client, the server and the edge over `window`."""
    found = PlaceCounts()
    for place in (Place.CLIENT, Place.SERVER, Place.EDGE):
        matcher = promql.DEFAULT_PLACE_MATCHERS[place]
        total, why = _count(client, promql.requests_selector(place, matcher, metrics), window)
        errors, _ = _count(client, promql.errors_selector(place, matcher, metrics), window)
        if errors is None and total is not None:
            errors = 0  # an absent error series beside a present total: no errors
        if total is None:
            if place is Place.SERVER and why.startswith("no series"):
                why = _why_no_server_total(client, metrics, window, why)
            elif place is Place.CLIENT and why.startswith("no series"):
                why += " (the load generator's client metrics were not scraped)"
            found.missing[place.value] = why
        found.counts[f"{place.value}_total"], found.counts[f"{place.value}_errors"] = total, errors
    return found


def client_error_ratio(client: PrometheusClient, window: Window) -> float | None:
    """The share of the load generator's requests that failed (5xx or transport) over
    `window`: every request it sent, as its own error ratio counts them, from its client
    metrics (None: it counted no request there)."""
    source = promql.DEFAULT_PLACE_MATCHERS[Place.CLIENT]
    sent = promql.selector("http_requests_total", source)
    failed = promql.selector("http_requests_total", source, 'status_class=~"5xx|transport"')
    total, _ = _count(client, sent, window)
    errors, why = _count(client, failed, window)
    if not total or (errors is None and not why.startswith("no series")):
        return None
    return (errors or 0) / total  # no error series beside a total: no errors

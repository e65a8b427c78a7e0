"""Time series for the report's charts: request rate, error ratio and p50/p95/p99, client and
server, over the whole load (PromQL subqueries at a 1 s step; chart lines only, never verdicts)."""

from __future__ import annotations

import math
from functools import partial

from slogate.report.model import SeriesMetric, TimeSeries
from slogate.slo import promql
from slogate.slo.prometheus import PrometheusClient, PrometheusUnavailable, RangeSeries
from slogate.slo.service_metrics import DEFAULT_METRICS, ServiceMetrics
from slogate.slo.spec import Place

RATE_RANGE = "5s"
STEP = "1s"


def _queries(place: Place, metrics: ServiceMetrics) -> list[tuple[SeriesMetric, str | None, str]]:
    matcher = promql.DEFAULT_PLACE_MATCHERS[place]
    requests = promql.requests_selector(place, matcher, metrics)
    errors = promql.errors_selector(place, matcher, metrics)
    total = f"sum(rate({requests}[{RATE_RANGE}]))"
    queries: list[tuple[SeriesMetric, str | None, str]] = [
        (SeriesMetric.REQUEST_RATE, None, total),
        (
            SeriesMetric.ERROR_RATIO,
            None,
            f"(sum(rate({errors}[{RATE_RANGE}])) or vector(0)) / {total}",
        ),
    ]
    if place is not Place.EDGE:
        buckets = promql.latency_buckets_selector(place, matcher, "intended", metrics)
        for q in (0.5, 0.95, 0.99):
            expr = f"histogram_quantile({q}, sum by (le) (rate({buckets}[{RATE_RANGE}])))"
            queries.append((SeriesMetric.LATENCY, f"p{q * 100:g}", expr))
    return queries


def _points(found: list[RangeSeries]) -> list[tuple[float, float | None]]:
    if not found:
        return []
    return [(t, None if math.isnan(v) or math.isinf(v) else v) for t, v in found[0].samples]


def chart_series(
    client: PrometheusClient,
    start: float,
    end: float,
    metrics: ServiceMetrics = DEFAULT_METRICS,
) -> list[TimeSeries]:
    """The charts' lines over [start, end] (their queries sent concurrently); empty lines when
    Prometheus does not answer."""
    span = promql.duration(max(1.0, end - start))
    wanted = [
        (place, metric, stat, expr)
        for place in (Place.CLIENT, Place.SERVER, Place.EDGE)
        for metric, stat, expr in _queries(place, metrics)
    ]

    def points_of(expr: str) -> list[tuple[float, float | None]] | None:
        """The line's points; None when Prometheus did not answer."""
        try:
            return _points(client.matrix(f"({expr})[{span}:{STEP}]", end))
        except PrometheusUnavailable:
            return None
        except Exception:
            return []

    answers = client.gather([partial(points_of, expr) for *_, expr in wanted])
    lines: list[TimeSeries] = []
    for (place, metric, stat, expr), points in zip(wanted, answers, strict=True):
        if points is None:
            return lines
        lines.append(
            TimeSeries(metric=metric, place=place.value, stat=stat, query=expr, points=points)
        )
    return lines

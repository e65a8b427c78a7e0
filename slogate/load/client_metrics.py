"""The load generator's client-side metrics, exposed to Prometheus from an aggregate Tally.

Names and labels follow the server's (DESIGN.md), so the SLO checker evaluates client and
server with the same queries; Prometheus adds `source="client"` from its scrape job.

    http_requests_total{method,route,status_class}           status_class incl. "transport"
    http_request_duration_seconds{method,route,status_class,timing}   timing service|intended
    request_starts_total, request_starts_missed_total, request_starts_late_total
    load_generator_saturated                                  1 while the generator is saturated

The collector reads the tally at scrape time (no gevent here; the server that exposes it
lives in `slogate.load.metrics_endpoint`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from slogate.load.tally import BUCKETS, Tally


def _bucket_label(bound: float) -> str:
    return str(bound) if bound != int(bound) else f"{bound:.1f}"


class ClientMetricsCollector(Collector):
    """Exposes the current state of a Tally (given by `source`) as Prometheus metrics."""

    def __init__(self, source: Callable[[], Tally]) -> None:
        self._source = source

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily | HistogramMetricFamily]:
        tally = self._source()
        requests = CounterMetricFamily(
            "http_requests",
            "Requests the load generator completed, by outcome (transport: no answer).",
            labels=["method", "route", "status_class"],
        )
        for (method, route, klass), count in sorted(tally.requests.items()):
            requests.add_metric([method, route, klass], count)
        yield requests

        durations = HistogramMetricFamily(
            "http_request_duration_seconds",
            "Request latency seen by the client: service time, or from the intended start.",
            labels=["method", "route", "status_class", "timing"],
        )
        for key, bucketed in sorted(tally.durations.items()):
            cumulative = 0
            buckets: list[tuple[str, float]] = []
            for bound, count in zip((*BUCKETS, float("inf")), bucketed.counts, strict=True):
                cumulative += count
                label = "+Inf" if bound == float("inf") else _bucket_label(bound)
                buckets.append((label, cumulative))
            durations.add_metric(list(key), buckets, bucketed.total_s)
        yield durations

        for name, field, text in (
            ("request_starts", "starts", "Requests started by the open-model dispatcher."),
            ("request_starts_missed", "missed", "Scheduled starts skipped: in-flight pool full."),
            ("request_starts_late", "late", "Requests started later than the late threshold."),
        ):
            counter = CounterMetricFamily(name, text)
            counter.add_metric([], tally.total(field))
            yield counter

        saturated = GaugeMetricFamily(
            "load_generator_saturated",
            "1 while the load generator cannot keep its schedule (CPU or sustained lateness).",
        )
        saturated.add_metric([], 1.0 if tally.saturated_now else 0.0)
        yield saturated

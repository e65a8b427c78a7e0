"""One known data set, backfilled into a real Prometheus, with the verdicts it must produce.

t0 is three hours ago (on a whole minute); series run 600 s at 1 s. The checked window is
[t0 + 100, t0 + 500] (400 s). Counts in the window:

server  2xx: replica 0 25/s (10,000); replica 1 25/s with a restart (reset) at t0 + 200
        (10,000); 4xx: 1/s (400, not errors); 5xx: replica 0 one per 50 s (8); replica 1 has
        no 5xx series at all (absent = 0); /health/readiness 1,000/s (not an API route)
        -> 20,408 requests, 8 errors
client  2xx 50/s (20,000); transport failures 30 (one a second from t0 + 301) -> 20,030, 30
edge    requests 50/s (20,000), 5xx series absent -> 0 errors
latency server histogram 100 obs/s: le 0.01: 20, 0.025: 50, 0.05: 70, 0.1: 85, 0.25: 93,
        0.5: 97, 1: 98, 2.5: 99, 5: 100 -> 40,000 obs, 1,200 over 0.5 s, 800 over 1 s
lag     10 obs/s all <= 0.01 s (4,000)
startup replica 0: 1.2 s, replica 1: 2.1 s
custom  weird_total is NaN from t0 + 300 to t0 + 309; few_total counts 1/s (400, no errors)
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager

from tests.slo.backfill import SeriesData, backfilled_prometheus

WINDOW = (100, 500)
LATENCY_PER_SECOND = {
    0.005: 0, 0.01: 20, 0.025: 50, 0.05: 70, 0.1: 85, 0.25: 93, 0.5: 97, 1.0: 98, 2.5: 99,
    5.0: 100, 10.0: 100, math.inf: 100,
}  # fmt: skip
LAG_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5]


def base_time() -> int:
    return (int(time.time()) // 60) * 60 - 3 * 3600


def jumpy_points(t0: int) -> list[tuple[float, float]]:
    """A counter sampled every 10 s from t0 - 2 h: resets, a 15-minute gap with a reset in it."""
    points, value = [], 0
    for k in range(780):
        if 500 <= k < 590:
            continue  # no samples (a scrape gap)
        if k in (100, 400, 590):
            value = 3 + k % 7  # the process restarted
        elif k in (101, 250):
            value += 1000
        else:
            value += 7
        points.append((t0 - 7200 + 10 * k, float(value)))
    return points


def known_data(t0: int, n: int = 600) -> SeriesData:
    data = SeriesData()
    route = "/api/v1/organisations"

    def req(source: str, status: str, replica: str | None = None) -> dict[str, str]:
        labels = {"source": source, "method": "GET", "route": route, "status_class": status}
        if replica is not None:
            labels["replica"] = replica
        return labels

    data.counter("http_requests_total", req("server", "2xx", "0"), t0, lambda i: 25 * i, n)
    data.counter(
        "http_requests_total",
        req("server", "2xx", "1"),
        t0,
        lambda i: 25 * i if i < 200 else 25 * (i - 199),
        n,
    )
    data.counter("http_requests_total", req("server", "4xx", "0"), t0, lambda i: i, n)
    data.counter("http_requests_total", req("server", "5xx", "0"), t0, lambda i: i // 50, n)
    data.counter(
        "http_requests_total",
        {"source": "server", "method": "GET", "route": "/health/readiness",
         "status_class": "5xx", "replica": "0"},
        t0,
        lambda i: 1000 * i,
        n,
    )  # fmt: skip
    data.counter("http_requests_total", req("client", "2xx"), t0, lambda i: 50 * i, n)
    data.counter(
        "http_requests_total",
        req("client", "transport"),
        t0,
        lambda i: max(0, min(30, i - 300)),
        n,
    )
    data.counter(
        "haproxy_frontend_http_requests_total",
        {"source": "edge", "proxy": "api"},
        t0,
        lambda i: 50 * i,
        n,
    )
    data.counter(
        "haproxy_frontend_http_responses_total",
        {"source": "edge", "proxy": "api", "code": "2xx"},
        t0,
        lambda i: 50 * i,
        n,
    )
    finite = [b for b in LATENCY_PER_SECOND if not math.isinf(b)]
    data.histogram(
        "http_request_duration_seconds",
        {**req("server", "2xx", "0")},
        t0,
        finite,
        lambda i, le: LATENCY_PER_SECOND[le] * i,
        n,
    )
    data.histogram(
        "event_loop_lag_seconds",
        {"source": "server", "replica": "0"},
        t0,
        LAG_BUCKETS,
        lambda i, le: (10 * i) if le >= 0.01 else 0,
        n,
    )
    # custom SLIs: a total that turns NaN inside the window, and one with too few events
    data.counter("weird_total", {"job": "x"}, t0, lambda i: math.nan if 300 <= i < 310 else i, n)
    data.counter("few_total", {"job": "x"}, t0, lambda i: i, n)
    data.add("jumpy", "counter", "jumpy_total", {"job": "x"}, jumpy_points(t0))
    data.add(
        "born", "counter", "born_total", {"job": "x"}, [(t0 + 250 + i, 2 * i) for i in range(50)]
    )
    for replica, seconds in (("0", 1.2), ("1", 2.1)):
        data.gauge(
            "process_startup_duration_seconds",
            {"source": "server", "replica": replica},
            [(t0 + i, seconds) for i in range(n)],
        )
    return data


SPEC = """\
apiVersion: slogate.dev/v1
kind: SLO
metadata: {name: known}
spec:
  service: known
  objectives:
    - {name: availability, sli: availability, target: 0.999,
       measured_at: [server, client, edge]}
    - {name: error-rate, sli: availability, target: 0.99, measured_at: [server, client]}
    - {name: p95, sli: latency, threshold: 0.5, target: 0.95, measured_at: [server, client]}
    - {name: p99, sli: latency, threshold: 1, target: 0.99, measured_at: [server]}
    - {name: throughput, sli: throughput, min_rps: 50, measured_at: [server, edge]}
    - {name: startup, sli: startup, threshold: 3}
    - {name: lag, sli: event_loop_lag, threshold: 0.05, target: 0.99}
"""

# (objective, place) -> verdict
EXPECTED = {
    ("availability", "server"): "PASS",
    ("availability", "client"): "FAIL",
    ("availability", "edge"): "PASS",
    ("error-rate", "server"): "PASS",
    ("error-rate", "client"): "PASS",
    ("p95", "server"): "PASS",
    ("p95", "client"): "INCONCLUSIVE",  # no client histogram: missing series
    ("p99", "server"): "FAIL",
    ("throughput", "server"): "PASS",
    ("throughput", "edge"): "PASS",
    ("startup", "server"): "PASS",
    ("lag", "server"): "PASS",
}

CUSTOM_SPEC = """\
apiVersion: slogate.dev/v1
kind: SLO
metadata: {name: custom}
spec:
  service: known
  slis:
    weird: {bad: 'weird_errors_total{job="x"}', total: 'weird_total{job="x"}'}
    few: {bad: 'few_errors_total{job="x"}', total: 'few_total{job="x"}'}
  objectives:
    - {name: weird, sli: weird, target: 0.9}
    - {name: few, sli: few, target: 0.999}
    - {name: few-loose, sli: few, target: 0.99}
"""


@contextmanager
def known_prometheus() -> Iterator[tuple[str, int]]:
    """A real Prometheus over `known_data` from `base_time()`: its URL and that t0."""
    t0 = base_time()
    with backfilled_prometheus(known_data(t0)) as server:
        yield server.url, t0

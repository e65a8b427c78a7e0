"""PromQL for SLIs: selectors for the built-in SLIs and the counting queries (pure functions).

Counts are raw, reset-aware counter deltas between the window's ends, never `increase()`
(which extrapolates: a backfilled integer counter came back as 898,334.5). For a counter
selector S and a window [start, end] of D seconds, four instant queries give every series'
value at both ends and whether it reset (or has a NaN sample) in between:

    last_over_time(S[LOOKBACK])  @ start   value at the window's start (last sample <= start)
    last_over_time(S[LOOKBACK])  @ end     value at the window's end; only when a series that
                                           `resets` lists has none (it went stale inside the
                                           window): last_over_time(S[D]) @ end, which reads
                                           every sample of the window
    resets(S[D + LOOKBACK])      @ end     resets since the start sample
    0 * sum_over_time(S[D + LOOKBACK]) != 0 @ end  the series with a NaN sample, as NaN
                                           (added to their resets; the others add 0)

The four are independent and sent at once (PrometheusClient.vectors).

A series without resets has the exact delta end - start; those that reset go to the raw path
(counting.py: S narrowed by the labels they share, the window split into parts, only the
parts with a reset split again and, once short, read raw and summed pairwise; a level's
parts are asked in two range queries and two instant ones). Both paths read
the same samples, so the fast path is exact, not an approximation.
"""

from __future__ import annotations

import re

from slogate.slo.service_metrics import DEFAULT_METRICS, ServiceMetrics
from slogate.slo.spec import BuiltinSLI, Objective, Place

# How far before the window's start a sample may lie and still count as its start value
# (Prometheus' own default lookback).
LOOKBACK_S = 300
CLIENT_ROUTE_LABEL = "route"  # the load generator's (slogate.load.client_metrics)
DEFAULT_PLACE_MATCHERS: dict[Place, str] = {
    Place.SERVER: 'source="server"',
    Place.CLIENT: 'source="client"',
    Place.EDGE: 'source="edge"',
}


def duration_ms(seconds: float) -> int:
    """`seconds` in whole milliseconds, at least 1 (what `duration` writes)."""
    return max(1, round(seconds * 1000))


def duration(seconds: float) -> str:
    """A PromQL duration in whole milliseconds (`3600000ms`)."""
    return f"{duration_ms(seconds)}ms"


def selector(metric: str, *matchers: str) -> str:
    """`metric{m1,m2}` from non-empty matchers."""
    present = [m for m in matchers if m]
    return f"{metric}{{{','.join(present)}}}" if present else metric


def with_matchers(series: str, matchers: list[str]) -> str:
    """`series` narrowed by extra matchers (`x{a="b"}` + `c="d"` -> `x{a="b",c="d"}`)."""
    if not matchers:
        return series
    text = series.strip()
    if text.endswith("}"):
        inside = text[text.index("{") + 1 : -1].strip()
        head = text[: text.index("{")]
        return head + "{" + ",".join([inside, *matchers] if inside else matchers) + "}"
    return text + "{" + ",".join(matchers) + "}"


def escape(value: str) -> str:
    """A label value inside a double-quoted PromQL string."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def start_values_query(series: str) -> str:
    return f"last_over_time({series}[{duration(LOOKBACK_S)}])"


def end_values_query(series: str, window_s: float) -> str:
    return f"last_over_time({series}[{duration(window_s)}])"


def resets_query(series: str, window_s: float) -> str:
    """Resets per series since the start sample (`resets()` does not see a NaN sample: NaN
    compares false; `nan_check_query` does)."""
    return f"resets({series}[{duration(window_s + LOOKBACK_S)}])"


def nan_check_query(series: str, window_s: float) -> str:
    """The series with a NaN sample in `resets_query`'s range, as NaN (`NaN != 0` holds, so
    the filter keeps only those; the others would answer 0): added to their resets, they go
    to the raw path, which judges them exactly. A query of its own (not `resets(..) + 0 *
    sum_over_time(..)`), so Prometheus reads the range for both on two cores at once."""
    return f"0 * sum_over_time({series}[{duration(window_s + LOOKBACK_S)}]) != 0"


def label_matches(label: str, pattern: str) -> str:
    """`label="value"` for a literal, `label=~"regex"` otherwise (PromQL anchors regexes)."""
    operator = "=" if re.escape(pattern) == pattern else "=~"
    return f'{label}{operator}"{escape(pattern)}"'


def api_routes(place: Place, metrics: ServiceMetrics = DEFAULT_METRICS) -> str:
    """The routes that count, on the place's route label (the client's is always `route`)."""
    label = metrics.route_label if place is Place.SERVER else CLIENT_ROUTE_LABEL
    return label_matches(label, metrics.routes)


# target_service's routes on the `route` label (the client's, and the default server's)
API_ROUTES = label_matches(CLIENT_ROUTE_LABEL, DEFAULT_METRICS.routes)


def server_errors(metrics: ServiceMetrics = DEFAULT_METRICS) -> str:
    """The matcher of the server's error statuses (`status_class="5xx"` by default)."""
    return label_matches(metrics.status_label, metrics.errors)


def requests_selector(place: Place, matcher: str, metrics: ServiceMetrics = DEFAULT_METRICS) -> str:
    """All API requests seen at `place`."""
    if place is Place.EDGE:
        return selector("haproxy_frontend_http_requests_total", 'proxy="api"', matcher)
    routes = api_routes(place, metrics)
    if place is Place.CLIENT:
        return selector("http_requests_total", matcher, routes)
    return with_matchers(metrics.requests, [m for m in (matcher, routes) if m])


def errors_selector(place: Place, matcher: str, metrics: ServiceMetrics = DEFAULT_METRICS) -> str:
    """Failed API requests at `place`: 5xx (the service's error statuses on the server), plus
    transport failures on the client."""
    if place is Place.EDGE:
        return selector(
            "haproxy_frontend_http_responses_total", 'proxy="api"', 'code="5xx"', matcher
        )
    if place is Place.CLIENT:
        status = 'status_class=~"5xx|transport"'
        return selector("http_requests_total", matcher, api_routes(place, metrics), status)
    return with_matchers(requests_selector(place, matcher, metrics), [server_errors(metrics)])


# What the edge absorbed, on its backend: a request it sent again (another try, or another
# replica), a response a replica cut off (a retried read, or a write the client saw as a 502).
EDGE_BACKEND = 'proxy="service"'
EDGE_RETRIES = "haproxy_backend_retry_warnings_total"
EDGE_REDISPATCHES = "haproxy_backend_redispatch_warnings_total"
EDGE_CUT_RESPONSES = "haproxy_backend_response_errors_total"
EDGE_ABSORBED = (EDGE_RETRIES, EDGE_REDISPATCHES, EDGE_CUT_RESPONSES)
EDGE_FORWARDED = "haproxy_backend_http_requests_total"


def edge_backend_selector(metric: str, matcher: str) -> str:
    """One of the edge backend's counters (EDGE_ABSORBED, EDGE_FORWARDED)."""
    return selector(metric, matcher, EDGE_BACKEND)


def latency_buckets_selector(
    place: Place, matcher: str, timing: str, metrics: ServiceMetrics = DEFAULT_METRICS
) -> str:
    """The API latency histogram's buckets at `place` (client: `timing` service|intended)."""
    routes = api_routes(place, metrics)
    if place is Place.CLIENT:
        return selector(
            "http_request_duration_seconds_bucket", matcher, routes, f'timing="{timing}"'
        )
    histogram = with_matchers(metrics.duration, [m for m in (matcher, routes) if m])
    return histogram_buckets_selector(histogram)


def lag_buckets_selector(matcher: str) -> str:
    return selector("event_loop_lag_seconds_bucket", matcher)


def histogram_buckets_selector(histogram: str) -> str:
    """`x_seconds{a="b"}` -> `x_seconds_bucket{a="b"}`."""
    name, brace, rest = histogram.strip().partition("{")
    return f"{name.strip()}_bucket{brace}{rest}"


def startup_query(matcher: str, window_s: float) -> str:
    """The longest start-up any replica reported in the window."""
    series = selector("process_startup_duration_seconds", matcher)
    return f"max(max_over_time({series}[{duration(window_s)}]))"


def objective_kind(objective: Objective, custom_names: set[str]) -> str:
    """availability | latency | throughput | event_loop_lag | startup | custom."""
    if objective.sli in custom_names:
        return "custom"
    return BuiltinSLI(objective.sli).value

"""How the service under test names its request metrics (`spec.metrics` of an SLO file).

The built-in SLIs (availability, latency, throughput) read the server's request counter and
duration histogram. Their names, the route and status labels and which routes count differ
between frameworks; the defaults are target_service's (prometheus_client):

    metrics:
      requests: http_requests_total              # counter of requests (or a histogram's _count)
      duration: http_request_duration_seconds    # histogram, without _bucket
      route_label: route
      routes: "/api/.*"                          # regex (RE2, anchored) of routes that count
      status_label: status_class
      errors: "5xx"                              # regex of status label values that are errors
      buckets: [0.005, 0.01, ..., 10.0]          # the histogram's le bounds (seconds)

NestJS with prom-client (one histogram, no separate counter)::

      requests: http_request_duration_seconds_count
      duration: http_request_duration_seconds
      status_label: status_code
      errors: "5.."

Spring Boot with Micrometer::

      requests: http_server_requests_seconds_count
      duration: http_server_requests_seconds
      route_label: uri
      status_label: status
      errors: "5.."
      buckets: [0.1, 0.5, 1.0]   # management.metrics.distribution.slo.http.server.requests

`requests` and `duration` are a metric name or a whole selector (`name{app="shop"}`, parsed
like a custom SLI's); the place's own matcher (`source="server"`) and the routes are added to
them. Only the server's series follow this block: the client's are slogate's own (the load
generator's `http_requests_total`, `route` label = the locustfile's route template; the
`routes` regex selects them too) and the edge's are HAProxy's. The labels Prometheus' scrape
configuration sets (job, source, instance, replica, and on Kubernetes namespace, pod,
container: `k8s/prometheus/configmap.yaml`) cannot be the route or status label.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from slogate.slo.selector_syntax import METRIC_NAME, SELECTOR

# The target's histogram buckets (http_request_duration_seconds), in seconds; also the load
# generator's (slogate.load.tally.BUCKETS), so a latency threshold is exact at the client.
TARGET_LATENCY_BUCKETS: tuple[float, ...] = (
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip

# Labels that the scrape configuration (local and in-cluster relabelling) or Prometheus owns.
SCRAPE_LABELS = frozenset(
    {"job", "instance", "source", "replica", "namespace", "pod", "container", "le", "timing"}
)
_NAME = re.compile(METRIC_NAME)
_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_MATCHED_LABEL = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)")


def _named_selector(value: str, what: str) -> str:
    text = value.strip()
    if not SELECTOR.fullmatch(text) or not _NAME.match(text):
        raise ValueError(
            f"a {what} name like http_requests_total, or a selector of it like "
            "'http_requests_total{app=\"shop\"}' (no functions or operators)"
        )
    inside = text.partition("{")[2]
    owned = sorted(set(_MATCHED_LABEL.findall(inside)) & SCRAPE_LABELS)
    if owned:
        raise ValueError(
            f"no matcher on {', '.join(owned)}: slogate adds the place's own "
            '(source="server") from the scrape configuration'
        )
    return text


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as error:
        raise ValueError(f'a regular expression ({error}); e.g. "/api/.*" or "5.."') from None
    return value


class ServiceMetrics(BaseModel):
    """The server's request metrics; every field defaults to target_service's name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    requests: str = Field(
        default="http_requests_total",
        description="counter of requests, or a histogram's _count (a name or a selector)",
    )
    duration: str = Field(
        default="http_request_duration_seconds",
        description="request duration histogram, without _bucket (a name or a selector)",
    )
    route_label: str = Field(default="route", description="the label holding the route")
    routes: str = Field(default="/api/.*", description="regex of the routes that count")
    status_label: str = Field(default="status_class", description="the status label")
    errors: str = Field(default="5xx", description="regex of the status values that are errors")
    buckets: tuple[float, ...] = Field(
        default=TARGET_LATENCY_BUCKETS, min_length=1, description="the histogram's le bounds (s)"
    )

    @field_validator("requests")
    @classmethod
    def _requests(cls, value: str) -> str:
        return _named_selector(value, "counter")

    @field_validator("duration")
    @classmethod
    def _duration(cls, value: str) -> str:
        text = _named_selector(value, "histogram")
        if text.partition("{")[0].strip().endswith("_bucket"):
            raise ValueError("the histogram's name without _bucket (slogate adds it)")
        return text

    @field_validator("route_label", "status_label")
    @classmethod
    def _label(cls, value: str) -> str:
        if not _LABEL.fullmatch(value):
            raise ValueError("a Prometheus label name like route or status_code")
        if value in SCRAPE_LABELS:
            raise ValueError(
                f"the service's own label: {value} is set by the scrape configuration "
                "(k8s/prometheus/configmap.yaml relabels job, source, replica, namespace, pod, "
                "container)"
            )
        return value

    @field_validator("routes", "errors")
    @classmethod
    def _pattern(cls, value: str) -> str:
        return _regex(value)

    @field_validator("buckets")
    @classmethod
    def _ascending(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if any(b <= 0 for b in value) or list(value) != sorted(set(value)):
            raise ValueError("positive bounds in seconds, ascending, each once (no +Inf)")
        return value


DEFAULT_METRICS = ServiceMetrics()

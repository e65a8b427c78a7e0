"""The service's Prometheus metrics, on a registry the application owns (tests inject one).

Names are a contract with slogate's SLO checker: do not rename them.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
REDIS_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
LAG_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
STATUS_CLASSES = ("2xx", "3xx", "4xx", "5xx")
FAULT_KINDS = ("latency", "errors", "readiness_off", "redis_latency")
REDIS_DEPENDENCY = "redis"


def status_class(status: int) -> str:
    """'2xx' for 200..299 and so on (1xx, which never ends a request, counts as 2xx)."""
    return f"{max(status // 100, 2)}xx"


class ServiceMetrics:
    """Every series the service exports, created on `registry`."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        ProcessCollector(registry=registry)
        PlatformCollector(registry=registry)
        GCCollector(registry=registry)
        labels = ("method", "route", "status_class")
        self.requests = Counter(
            "http_requests_total", "HTTP requests answered.", labels, registry=registry
        )
        self.request_duration = Histogram(
            "http_request_duration_seconds",
            "Time from request received to response sent.",
            labels,
            buckets=REQUEST_BUCKETS,
            registry=registry,
        )
        self.in_flight = Gauge(
            "http_requests_in_flight", "HTTP requests being served.", registry=registry
        )
        self.redis_operations = Counter(
            "redis_operations_total",
            "Redis operations by outcome (ok, error, timeout, rejected, fallback).",
            ("operation", "outcome"),
            registry=registry,
        )
        self.redis_duration = Histogram(
            "redis_operation_duration_seconds",
            "Duration of one Redis attempt.",
            ("operation",),
            buckets=REDIS_BUCKETS,
            registry=registry,
        )
        self.breaker_state = Gauge(
            "circuit_breaker_state",
            "Circuit breaker state: 0 closed, 1 half-open, 2 open.",
            ("dependency",),
            registry=registry,
        )
        self.event_loop_lag = Histogram(
            "event_loop_lag_seconds",
            "How late the event loop woke a sampler that asked to sleep a fixed interval.",
            buckets=LAG_BUCKETS,
            registry=registry,
        )
        self.startup_duration = Gauge(
            "process_startup_duration_seconds",
            "Seconds from process creation to ready to serve.",
            registry=registry,
        )
        self.organisations = Gauge(
            "clinic_organisations", "Organisations in the data store.", registry=registry
        )
        self.clinics = Gauge("clinic_clinics", "Clinics in the data store.", registry=registry)
        self.assignments = Gauge(
            "clinic_assignments", "Staff assignments in the data store.", registry=registry
        )
        self.faults_active = Gauge(
            "faults_active", "Injected faults in force, by kind.", ("kind",), registry=registry
        )
        self.ready = Gauge(
            "service_ready", "1 when readiness answers 200, else 0.", registry=registry
        )

    def preinitialise_routes(self, routes: Iterable[tuple[str, str]]) -> None:
        """Create every (method, route, status class) series at 0 before the first request."""
        for method, route in routes:
            for klass in STATUS_CLASSES:
                self.requests.labels(method, route, klass)
                self.request_duration.labels(method, route, klass)

    def preinitialise_redis(self, operations: Iterable[str]) -> None:
        for operation in operations:
            self.redis_duration.labels(operation)
            for outcome in ("ok", "error", "timeout", "rejected", "fallback"):
                self.redis_operations.labels(operation, outcome)

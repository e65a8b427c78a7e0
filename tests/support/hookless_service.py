"""A tiny service with no fault hooks: no /admin routes, no Redis, nothing slogate-specific but
the metric names of slogate's built-in SLIs. Faults reach it only through the local platform's
Toxiproxy (slogate.yaml `faults: toxiproxy`).

Served by uvicorn (`uvicorn tests.support.hookless_service:app`):
    GET /api/hello        {"replica": ...}, at once
    GET /health/readiness 200
    GET /metrics          http_requests_total{route,method,status_class} and
                          http_request_duration_seconds{route} (buckets include 0.1 and 0.5 s)
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from tests.support.asgi import respond, serve_lifespan

ROUTE = "/api/hello"
registry = CollectorRegistry()
requests_total = Counter(
    "http_requests", "API requests", ["route", "method", "status_class"], registry=registry
)
duration = Histogram(
    "http_request_duration_seconds", "API request duration", ["route"], registry=registry,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)  # fmt: skip
for status_class in ("2xx", "4xx", "5xx"):  # pre-initialised: no lost first increments
    requests_total.labels(ROUTE, "GET", status_class)
duration.labels(ROUTE)


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        await serve_lifespan(receive, send)
        return
    started = time.perf_counter()
    path = scope["path"]
    status, body, kind = 404, b"not found", b"text/plain"
    if path == "/health/readiness":
        status, body = 200, b"ready"
    elif path == "/metrics":
        status, body = 200, generate_latest(registry)
    elif path == ROUTE:
        replica = os.environ.get("HOOKLESS_REPLICA", "?")
        status, body, kind = 200, json.dumps({"replica": replica}).encode(), b"application/json"
    await respond(send, status, body, kind)
    if path == ROUTE:
        requests_total.labels(ROUTE, scope["method"], f"{status // 100}xx").inc()
        duration.labels(ROUTE).observe(time.perf_counter() - started)

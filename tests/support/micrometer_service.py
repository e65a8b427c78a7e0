"""A second tiny service with another framework's metric naming: someone else's service that
slogate gates through slogate.yaml and an SLO file alone (tests/gate/test_own_service.py).

Its metrics are shaped like Spring Boot's Micrometer: one timer,
`http_server_requests_seconds{method, uri, status, outcome}` (its `_count` counts requests),
with buckets at 0.1, 0.5 and 1 s, as `management.metrics.distribution.slo.http.server.requests
=100ms,500ms,1s` configures; served at /actuator/prometheus, health at /actuator/health. Its
API is the items of loadtests/README.md's example locustfile:

    GET /api/items             a page of items
    GET /api/items/{item_id}   one item (404 for an id it does not have)
    POST /api/items            creates one (201)

Weakened on request, per replica, through its environment: ITEMS_ERROR_EVERY=N answers every
Nth API request with 503; ITEMS_DELAY_S=S holds every API request S seconds first.

Run by uvicorn: `python -m uvicorn tests.support.micrometer_service:app --port P`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import time
from typing import Any

from prometheus_client import CollectorRegistry, Histogram, generate_latest

from tests.support.asgi import respond, serve_lifespan

BUCKETS = (0.1, 0.5, 1.0)
ITEM = re.compile(r"^/api/items/(\d+)$")
ROUTES = ("/api/items", "/api/items/{item_id}")

registry = CollectorRegistry()
requests = Histogram(
    "http_server_requests_seconds",
    "Duration of HTTP server request handling",
    ["method", "uri", "status", "outcome"],
    buckets=BUCKETS,
    registry=registry,
)
# label sets created up front, so no series loses its first increments
for _method, _uri in (("GET", ROUTES[0]), ("GET", ROUTES[1]), ("POST", ROUTES[0])):
    for _status, _outcome in (("200", "SUCCESS"), ("201", "SUCCESS"), ("503", "SERVER_ERROR")):
        requests.labels(_method, _uri, _status, _outcome)

ERROR_EVERY = int(os.environ.get("ITEMS_ERROR_EVERY", "0"))
DELAY_S = float(os.environ.get("ITEMS_DELAY_S", "0"))
_api_requests = itertools.count(1)


def _outcome(status: int) -> str:
    return "SUCCESS" if status < 400 else "CLIENT_ERROR" if status < 500 else "SERVER_ERROR"


async def _api(method: str, path: str) -> tuple[int, str, bytes]:
    """(status, uri template, body) of one API request."""
    if DELAY_S:
        await asyncio.sleep(DELAY_S)
    match = ITEM.match(path)
    uri = ROUTES[1] if match else ROUTES[0] if path == ROUTES[0] else "UNKNOWN"
    if ERROR_EVERY and next(_api_requests) % ERROR_EVERY == 0:
        return 503, uri, b'{"error": "weakened on purpose"}'
    if match and method == "GET":
        item_id = int(match.group(1))
        if not 1 <= item_id <= 100:
            return 404, uri, b'{"error": "no such item"}'
        return 200, uri, json.dumps({"id": item_id, "name": f"item {item_id}"}).encode()
    if path == ROUTES[0] and method == "GET":
        return 200, uri, json.dumps([{"id": i} for i in range(1, 21)]).encode()
    if path == ROUTES[0] and method == "POST":
        return 201, uri, b'{"id": 101}'
    return 404, uri, b'{"error": "not found"}'


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        await serve_lifespan(receive, send)
        return
    path, method = scope["path"], scope["method"]
    kind = b"application/json"
    if path == "/actuator/health":
        status, body = 200, b'{"status": "UP"}'
    elif path == "/actuator/prometheus":
        status, body, kind = 200, generate_latest(registry), b"text/plain; version=0.0.4"
    elif path.startswith("/api/"):
        started = time.perf_counter()
        status, uri, body = await _api(method, path)
        elapsed = time.perf_counter() - started
        requests.labels(method, uri, str(status), _outcome(status)).observe(elapsed)
    else:
        status, body = 404, b'{"error": "not found"}'
    await respond(send, status, body, kind)

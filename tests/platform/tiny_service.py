"""A tiny service, given to slogate only through slogate.yaml (not the reference target).

Served by uvicorn: GET /health/readiness (503 forever when TINY_NEVER_READY=1),
GET /metrics (a request counter), GET /api/hello (answers with its replica label).
"""

from __future__ import annotations

import json
import os
from typing import Any

from prometheus_client import CollectorRegistry, Counter, generate_latest

from tests.support.asgi import respond, serve_lifespan

registry = CollectorRegistry()
requests_total = Counter("tiny_requests", "Requests served", ["path"], registry=registry)


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        await serve_lifespan(receive, send)
        return
    path = scope["path"]
    requests_total.labels(path).inc()
    status, body, kind = 404, b"not found", b"text/plain"
    if path == "/health/readiness":
        ready = os.environ.get("TINY_NEVER_READY") != "1"
        status, body = (200, b"ready") if ready else (503, b"never ready")
    elif path == "/metrics":
        status, body = 200, generate_latest(registry)
    elif path.startswith("/api/"):
        replica = os.environ.get("TINY_REPLICA", "?")
        status, body, kind = 200, json.dumps({"replica": replica}).encode(), b"application/json"
    elif path.startswith("/admin"):
        status, body = 200, b"admin reached"
    await respond(send, status, body, kind)

"""Pure ASGI middleware: request metrics (outermost) and injected faults (inside it).

Metrics wrap faults, so injected latency and errors are counted like real ones.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from typing import Any

from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from target_service.core.faults import ErrorsFault, FaultBoard, LatencyFault, current_request_path
from target_service.core.metrics import ServiceMetrics, status_class

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "<unmatched>"


def route_template(route: object) -> str | None:
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return template if isinstance(template, str) else None


class RequestMetricsMiddleware:
    """http_requests_total, http_request_duration_seconds, http_requests_in_flight."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes
        # labels() takes a lock and validates on every call: keep the children per label set
        self._children: dict[tuple[str, str, str], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def send_recording_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        self.metrics.in_flight.inc()
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_recording_status)
        finally:
            elapsed = time.perf_counter() - started
            self.metrics.in_flight.dec()
            method = scope["method"] if scope["method"] in KNOWN_METHODS else "OTHER"
            route = route_template(scope.get("route")) or self._resolve(scope)
            labels = (method, route, status_class(status))
            children = self._children.get(labels)
            if children is None:
                children = (
                    self.metrics.requests.labels(*labels),
                    self.metrics.request_duration.labels(*labels),
                )
                self._children[labels] = children
            children[0].inc()
            children[1].observe(elapsed)

    def _resolve(self, scope: Scope) -> str:
        """The template of a request the router never saw (answered by a fault) or refused."""
        partial = None
        for route in self.routes:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return route_template(route) or UNMATCHED
            if match is Match.PARTIAL and partial is None:
                partial = route_template(route)
        return partial or UNMATCHED


class FaultInjectionMiddleware:
    """Applies `latency` and `errors` faults to matching requests; marks the request path so
    `redis_latency` faults reach the Redis calls made while serving it."""

    def __init__(self, app: ASGIApp, faults: FaultBoard) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        matching = self.faults.matching(scope["path"])
        if not matching:
            await self.app(scope, receive, send)
            return
        for fault in matching:
            spec = fault.spec
            if isinstance(spec, LatencyFault) and _drawn(spec.ratio, self.faults):
                await asyncio.sleep(spec.draw_delay_s(self.faults.rng))
            elif isinstance(spec, ErrorsFault) and self.faults.rng.random() < spec.ratio:
                await _send_injected_error(send, spec.status, fault.id)
                return
        token = current_request_path.set(scope["path"])
        try:
            await self.app(scope, receive, send)
        finally:
            current_request_path.reset(token)


def _drawn(ratio: float, faults: FaultBoard) -> bool:
    """Whether a fault with this share applies to one request (always at 1, no draw)."""
    return ratio >= 1 or faults.rng.random() < ratio


async def _send_injected_error(send: Send, status: int, fault_id: str) -> None:
    body = json.dumps({"detail": f"injected fault {fault_id}"}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

"""Request metrics read from an injected registry (in-process app, real Redis)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from target_service.core.config import Settings
from target_service.core.metrics import status_class
from target_service.main import create_app
from tests.support.redis_server import RedisServer

ROUTE = "/api/v1/organisations/{organisation_id}"


def serve_in_process(
    app: FastAPI, exchange: Callable[[httpx.AsyncClient], Awaitable[None]]
) -> None:
    """Run the app's lifespan and `exchange` requests with it through httpx's ASGI transport."""

    async def run() -> None:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
                await exchange(client)

    asyncio.run(run())


@pytest.mark.parametrize(
    ("status", "klass"), [(101, "2xx"), (200, "2xx"), (204, "2xx"), (304, "3xx"), (404, "4xx"),
                          (503, "5xx")]
)  # fmt: skip
def test_status_class(status: int, klass: str) -> None:
    assert status_class(status) == klass


@pytest.mark.slow
def test_series_exist_at_zero_and_count_by_template(redis_server: RedisServer) -> None:
    registry = CollectorRegistry()
    app = create_app(Settings(redis_url=redis_server.url), registry=registry)
    labels = {"method": "GET", "route": ROUTE, "status_class": "4xx"}
    assert registry.get_sample_value("http_requests_total", labels) == 0.0

    async def exchange(client: httpx.AsyncClient) -> None:
        assert (await client.get("/api/v1/organisations/not-a-uuid")).status_code == 422
        created = await client.post("/api/v1/organisations", json={"name": "N", "country": "DK"})
        read = await client.get(f"/api/v1/organisations/{created.json()['id']}")
        assert read.status_code == 200
        assert (await client.get("/no/such/path")).status_code == 404

    serve_in_process(app, exchange)
    assert registry.get_sample_value("http_requests_total", labels) == 1.0
    ok = {**labels, "status_class": "2xx"}
    assert registry.get_sample_value("http_requests_total", ok) == 1.0
    assert registry.get_sample_value("http_request_duration_seconds_count", ok) == 1.0
    assert registry.get_sample_value("http_request_duration_seconds_bucket", {**ok, "le": "0.5"})
    unmatched = {"method": "GET", "route": "<unmatched>", "status_class": "4xx"}
    assert registry.get_sample_value("http_requests_total", unmatched) == 1.0
    assert registry.get_sample_value("http_requests_in_flight") == 0.0
    ops = {"operation": "get", "outcome": "ok"}
    assert registry.get_sample_value("redis_operations_total", ops) == 1.0


@pytest.mark.slow
def test_metrics_can_be_switched_off(redis_server: RedisServer) -> None:
    registry = CollectorRegistry()
    app = create_app(Settings(redis_url=redis_server.url, metrics_enabled=False), registry)

    async def exchange(client: httpx.AsyncClient) -> None:
        assert (await client.get("/api/v1/organisations")).status_code == 200

    serve_in_process(app, exchange)
    labels = {"method": "GET", "route": "/api/v1/organisations", "status_class": "2xx"}
    assert registry.get_sample_value("http_requests_total", labels) == 0.0


@pytest.mark.slow
def test_admin_routes_absent_unless_enabled(redis_server: RedisServer) -> None:
    app = create_app(Settings(redis_url=redis_server.url), registry=CollectorRegistry())

    async def exchange(client: httpx.AsyncClient) -> None:
        assert (await client.get("/admin/faults")).status_code == 404

    serve_in_process(app, exchange)

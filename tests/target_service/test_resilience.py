"""Redis hangs (SIGSTOP) or refuses (killed): the breaker opens, fallbacks are served,
readiness says degraded but stays 200, and the service recovers when Redis returns."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.support.redis_server import RedisServer
from tests.support.waiting import wait_until
from tests.target_service.service_process import running_service

pytestmark = pytest.mark.slow

RESILIENCE_ENV = {
    "TARGET_REDIS_TIMEOUT_S": "0.3",
    "TARGET_REDIS_CONNECT_TIMEOUT_S": "0.3",
    "TARGET_READ_RETRIES": "1",
    "TARGET_BREAKER_FAILURE_THRESHOLD": "3",
    "TARGET_BREAKER_RESET_TIMEOUT_S": "1",
    "TARGET_GAUGE_REFRESH_S": "60",
}


def breaker_state(client: httpx.Client) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith('circuit_breaker_state{dependency="redis"}'):
            return float(line.split()[-1])
    raise AssertionError("circuit_breaker_state missing")


def fallbacks_served(client: httpx.Client) -> float:
    total = 0.0
    for line in client.get("/metrics").text.splitlines():
        if line.startswith("redis_operations_total{") and 'outcome="fallback"' in line:
            total += float(line.split()[-1])
    return total


def seed_one(client: httpx.Client) -> dict:
    created = client.post("/api/v1/organisations", json={"name": "Summit Care", "country": "IE"})
    assert created.status_code == 201
    organisation = created.json()
    assert client.get(f"/api/v1/organisations/{organisation['id']}").status_code == 200
    return organisation


def assert_degraded_but_serving(client: httpx.Client, organisation: dict) -> None:
    def read_is_stale() -> bool:
        response = client.get(f"/api/v1/organisations/{organisation['id']}")
        assert response.status_code == 200, response.text
        assert response.json() == organisation
        return response.headers.get("X-Fallback") == "last-known-value"

    wait_until(read_is_stale, timeout=10, what="fallback served")

    def breaker_opens() -> bool:
        client.get(f"/api/v1/organisations/{organisation['id']}")
        return breaker_state(client) == 2.0

    wait_until(breaker_opens, timeout=10, what="breaker open")
    started = time.monotonic()
    assert client.get(f"/api/v1/organisations/{organisation['id']}").status_code == 200
    assert time.monotonic() - started < 0.25  # open breaker: no waiting on Redis

    readiness = client.get("/health/readiness")
    assert readiness.status_code == 200
    assert readiness.json()["status"] == "degraded"
    assert readiness.json()["dependencies"]["redis"]["status"] == "down"
    assert fallbacks_served(client) >= 1

    unknown = client.get("/api/v1/organisations/00000000-0000-4000-8000-000000000000")
    assert unknown.status_code == 503
    assert int(unknown.headers["Retry-After"]) >= 1
    write = client.post("/api/v1/organisations", json={"name": "New", "country": "IE"})
    assert write.status_code == 503


def assert_recovered(client: httpx.Client) -> None:
    def recovered() -> bool:
        client.get("/api/v1/organisations")  # a trial call once half-open
        return breaker_state(client) == 0.0

    wait_until(recovered, timeout=15, what="breaker closed again")
    assert client.get("/health/readiness").json()["status"] == "ok"
    created = client.post("/api/v1/organisations", json={"name": "After", "country": "IE"})
    assert created.status_code == 201


def test_redis_hang_opens_breaker_and_recovers(redis_server: RedisServer) -> None:
    with (
        running_service(redis_server.url, RESILIENCE_ENV) as service,
        httpx.Client(base_url=service.url, timeout=10) as client,
    ):
        organisation = seed_one(client)
        redis_server.stop_process()
        try:
            assert_degraded_but_serving(client, organisation)
        finally:
            redis_server.continue_process()
        assert_recovered(client)
        fresh = client.get(f"/api/v1/organisations/{organisation['id']}")
        assert fresh.status_code == 200
        assert "X-Fallback" not in fresh.headers


def test_redis_refusal_opens_breaker_and_recovers(redis_server: RedisServer) -> None:
    with (
        running_service(redis_server.url, RESILIENCE_ENV) as service,
        httpx.Client(base_url=service.url, timeout=10) as client,
    ):
        organisation = seed_one(client)
        redis_server.kill()
        assert_degraded_but_serving(client, organisation)
        redis_server.start()
        assert_recovered(client)

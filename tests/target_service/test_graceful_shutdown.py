"""SIGTERM: readiness 503 at once, requests served during the delay, in-flight ones drained."""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor

import httpx
import pytest

from tests.support.redis_server import RedisServer
from tests.support.waiting import wait_until
from tests.target_service.service_process import admin_env, running_service

pytestmark = pytest.mark.slow

SLOW_MS = 1500
DELAY_S = 2.0


def slow_get(url: str) -> int:
    """One request on its own connection (as a new client would open)."""
    with httpx.Client(timeout=30) as client:
        return client.get(f"{url}/api/v1/organisations").status_code


def in_flight(url: str) -> float:
    for line in httpx.get(f"{url}/metrics", timeout=5).text.splitlines():
        if line.startswith("http_requests_in_flight "):
            return float(line.split()[1])
    return 0.0


def test_sigterm_drains_in_flight_and_serves_during_the_delay(redis_server: RedisServer) -> None:
    env = admin_env(TARGET_SHUTDOWN_DELAY_S=str(DELAY_S), TARGET_DRAIN_TIMEOUT_S="20")
    with running_service(redis_server.url, env) as service, ThreadPoolExecutor(16) as pool:
        fault = {"kind": "latency", "fixed_ms": SLOW_MS, "ttl_s": 120}
        added = httpx.post(
            f"{service.url}/admin/faults", json=fault, headers=service.admin_headers, timeout=5
        )
        assert added.status_code == 201
        before: list[Future[int]] = [pool.submit(slow_get, service.url) for _ in range(8)]
        wait_until(lambda: in_flight(service.url) >= 9, timeout=10, what="8 requests in flight")

        signalled = time.monotonic()
        service.process.send_signal(15)
        wait_until(
            lambda: httpx.get(f"{service.url}/health/readiness", timeout=2).status_code == 503,
            timeout=1,
            what="readiness 503 right after SIGTERM",
        )
        during: list[Future[int]] = []
        while time.monotonic() - signalled < DELAY_S - 0.5:
            during.append(pool.submit(slow_get, service.url))
            time.sleep(0.25)
        assert service.process.poll() is None  # still serving during the delay

        exit_code = service.process.wait(timeout=30)
        drained_after = time.monotonic() - signalled
        statuses = [f.result(timeout=5) for f in before + during]

    assert exit_code == 0
    assert statuses == [200] * len(statuses), statuses
    assert len(during) >= 4
    assert DELAY_S <= drained_after < DELAY_S + SLOW_MS / 1000 + 3
    log = service.log()
    assert "readiness now 503" in log
    assert "Application shutdown complete" in log


def test_sigterm_when_idle_exits_0_after_the_delay(redis_server: RedisServer) -> None:
    env = {"TARGET_SHUTDOWN_DELAY_S": "0.5"}
    with running_service(redis_server.url, env) as service:
        started = time.monotonic()
        assert service.terminate(timeout=20) == 0
        assert 0.5 <= time.monotonic() - started < 5

"""SIGTERM while Redis is dead (killed) or hung (SIGSTOP): the shutdown is not held up by it.

Expected: readiness 503 at once, serving for the delay, in-flight requests drained (answered,
here 503 since Redis cannot answer), the Redis pool closed within a bounded time, exit 0.
Also: a second SIGTERM skips what is left of the shutdown delay.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.support.redis_server import RedisServer
from tests.support.waiting import wait_until
from tests.target_service.service_process import ServiceProcess, admin_env, running_service

pytestmark = pytest.mark.slow

DELAY_S = 1.0
SLOW_MS = 1000  # injected latency: keeps the request in flight across the SIGTERM
REDIS_TIMEOUT_S = 0.5
READ_RETRIES = 2
RETRY_MAX_DELAY_S = 0.1
# the longest an in-flight request can take with Redis hung: the injected latency, then every
# attempt of its read times out, with the longest back-off between attempts
IN_FLIGHT_MAX_S = (
    SLOW_MS / 1000 + (READ_RETRIES + 1) * REDIS_TIMEOUT_S + READ_RETRIES * RETRY_MAX_DELAY_S
)
# the pool close is bounded by REDIS_TIMEOUT_S; the rest is the 0.1 s tick, uvicorn's 0.1 s
# shutdown pause and a loaded 2-core machine
EXIT_BOUND_S = DELAY_S + IN_FLIGHT_MAX_S + REDIS_TIMEOUT_S + 1.5

ENV = admin_env(
    TARGET_SHUTDOWN_DELAY_S=str(DELAY_S),
    TARGET_DRAIN_TIMEOUT_S="30",
    TARGET_REDIS_TIMEOUT_S=str(REDIS_TIMEOUT_S),
    TARGET_READ_RETRIES=str(READ_RETRIES),
    TARGET_RETRY_MAX_DELAY_S=str(RETRY_MAX_DELAY_S),
)


def in_flight(service: ServiceProcess) -> float:
    for line in httpx.get(f"{service.url}/metrics", timeout=5).text.splitlines():
        if line.startswith("http_requests_in_flight "):
            return float(line.split()[1])
    return 0.0


def unknown_clinic(service: ServiceProcess) -> int:
    """A read nothing was cached for: with Redis gone it ends in 503, after its retries."""
    url = f"{service.url}/api/v1/clinics/{uuid.uuid4()}"
    with httpx.Client(timeout=30) as client:
        return client.get(url).status_code


def readiness_is_503(service: ServiceProcess) -> bool:
    return httpx.get(f"{service.url}/health/readiness", timeout=2).status_code == 503


def in_flight_after_latency(service: ServiceProcess) -> bool:
    return in_flight(service) >= 2  # the slow read and this scrape


OUTAGES: dict[str, Callable[[RedisServer], None]] = {
    "killed": RedisServer.kill,
    "hung": RedisServer.stop_process,
}


@pytest.mark.parametrize("outage", sorted(OUTAGES))
def test_sigterm_with_redis_down_exits_0_within_the_delay_plus_the_drain(
    redis_server: RedisServer, outage: str
) -> None:
    with running_service(redis_server.url, ENV) as service, ThreadPoolExecutor(2) as pool:
        assert httpx.get(f"{service.url}/api/v1/organisations", timeout=5).status_code == 200
        fault = {"kind": "latency", "fixed_ms": SLOW_MS, "ttl_s": 120}
        added = httpx.post(
            f"{service.url}/admin/faults", json=fault, headers=service.admin_headers, timeout=5
        )
        assert added.status_code == 201
        OUTAGES[outage](redis_server)
        request = pool.submit(unknown_clinic, service)
        wait_until(lambda: in_flight_after_latency(service), timeout=10, what="a request in flight")

        signalled = time.monotonic()
        service.process.send_signal(15)
        wait_until(lambda: readiness_is_503(service), timeout=1, what="readiness 503")
        exit_code = service.process.wait(timeout=30)
        exited_after = time.monotonic() - signalled
        status = request.result(timeout=5)

    log = service.log()
    assert exit_code == 0, log
    assert status == 503  # answered (Redis unavailable), not cut off
    assert DELAY_S <= exited_after < EXIT_BOUND_S, (exited_after, log)
    assert "Application shutdown complete" in log
    assert "Application shutdown failed" not in log


def test_second_sigterm_skips_the_rest_of_the_delay(redis_server: RedisServer) -> None:
    long_delay_s = 60.0
    with running_service(redis_server.url, {"TARGET_SHUTDOWN_DELAY_S": str(long_delay_s)}) as s:
        signalled = time.monotonic()
        s.process.send_signal(15)
        wait_until(lambda: readiness_is_503(s), timeout=5, what="readiness 503")
        assert s.process.poll() is None  # the first SIGTERM only starts the delay
        s.process.send_signal(15)
        exit_code = s.process.wait(timeout=20)
        exited_after = time.monotonic() - signalled

    assert exit_code == 0, s.log()
    assert exited_after < 10, exited_after  # far below the 60 s delay
    assert "second signal: skipping the rest of the shutdown delay" in s.log()

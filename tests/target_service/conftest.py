"""Fixtures for target_service tests: a real Redis and a real service process per module."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.redis_server import RedisServer, running_redis
from tests.target_service.service_process import ServiceProcess, admin_env, running_service


@pytest.fixture(scope="module")
def module_redis() -> Iterator[RedisServer]:
    with running_redis() as server:
        yield server


@pytest.fixture(scope="module")
def service(module_redis: RedisServer) -> Iterator[ServiceProcess]:
    """One service with fault hooks on, shared by a module's tests (they clear faults)."""
    with running_service(module_redis.url, admin_env()) as running:
        yield running


@pytest.fixture
def client(service: ServiceProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=service.url, timeout=10) as http:
        yield http
        http.delete("/admin/faults", headers=service.admin_headers)

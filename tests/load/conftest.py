"""Fixtures for load tests: a real Redis and a real, seeded target_service per module."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.support.redis_server import RedisServer, running_redis
from tests.target_service.service_process import (
    REPO_ROOT,
    ServiceProcess,
    admin_env,
    running_service,
    service_env,
)


@pytest.fixture(scope="module")
def load_redis() -> Iterator[RedisServer]:
    with running_redis() as server:
        yield server


@pytest.fixture(scope="module")
def seeded_target(load_redis: RedisServer) -> Iterator[ServiceProcess]:
    """A target_service (fault hooks on, log level warning) over the default seeded data."""
    subprocess.run(
        [sys.executable, "-m", "target_service", "seed"],
        env=service_env(load_redis.url, 0),
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
        timeout=60,
    )
    with running_service(load_redis.url, admin_env(TARGET_LOG_LEVEL="warning")) as service:
        yield service

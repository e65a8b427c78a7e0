"""Suite-wide fixtures. Real servers on free ports; see tests/support/."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support.redis_server import RedisServer, running_redis


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `kind` need a real cluster: they run only with SLOGATE_KIND_TESTS=1."""
    if os.environ.get("SLOGATE_KIND_TESTS") == "1":
        return
    skip = pytest.mark.skip(reason="needs a Kubernetes cluster; set SLOGATE_KIND_TESTS=1")
    for item in items:
        if "kind" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A real redis-server on a free port, stopped after the test."""
    with running_redis() as server:
        yield server

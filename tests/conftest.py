"""Suite-wide fixtures. Real servers on free ports; see tests/support/."""

from __future__ import annotations

import os
import signal
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


@pytest.fixture(autouse=True)
def _signals_left_as_found() -> Iterator[None]:
    """Every test leaves this worker's SIGINT/SIGTERM handlers and blocked signals as it found
    them: a test that blocks or swallows SIGINT breaks every later Ctrl-C test in the worker
    (an in-process KeyboardInterrupt never comes; children inherit a blocked mask and ignore
    Ctrl-C), far from the cause. This names the test that did it."""
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    yield
    changed = [signal.Signals(s).name for s, h in handlers.items() if signal.getsignal(s) != h]
    now_blocked = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    assert not changed and now_blocked == blocked, (
        f"this test left signal handling changed: handlers {changed}, "
        f"blocked {sorted(s.name for s in now_blocked)} (was {sorted(s.name for s in blocked)})"
    )

"""The supervisor on real short-lived processes: capped exponential back-off, restart
counts in its metrics, a kill fault holding restarts until its TTL, a stop fault continued
at its TTL."""

from __future__ import annotations

import itertools
import sys
import time
from pathlib import Path

import psutil
import pytest

from slogate.config import TimingsConfig
from slogate.errors import UsageError
from slogate.platform.local.faults import FaultRequest
from slogate.platform.local.supervisor import Part, Supervisor
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow
SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def _run(supervisor: Supervisor, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        supervisor.tick(0.01)


def test_crashing_part_restarts_with_capped_backoff(tmp_path: Path) -> None:
    timings = TimingsConfig(restart_backoff_base_s=0.2, restart_backoff_cap_s=0.4, stop_timeout_s=1)
    supervisor = Supervisor(timings)
    starts: list[float] = []
    supervisor.on_change = lambda: starts.append(time.monotonic())
    supervisor.add(Part("crasher", "replica", ["sh", "-c", "exit 3"], tmp_path / "c.log"))
    try:
        _run(supervisor, 2.0)
    finally:
        supervisor.stop_all()
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    # back-off 0.2, 0.4, 0.4, ... (capped); a crash itself takes a few ms
    # (upper bounds loose: a loaded machine delays the spawn, never the back-off)
    assert 0.2 <= gaps[0] < 0.45
    assert all(0.4 <= gap < 0.65 for gap in gaps[1:3])
    part = supervisor.parts["crasher"]
    assert part.restarts == len(starts) - 1 >= 3
    assert part.last_exit_code == 3
    value = supervisor.registry.get_sample_value("slogate_restarts_total", {"part": "crasher"})
    assert value == part.restarts
    assert "exit 3" in (tmp_path / "c.log").read_text()


def test_kill_fault_holds_the_restart_until_its_ttl(tmp_path: Path) -> None:
    supervisor = Supervisor(TimingsConfig(restart_backoff_base_s=0, stop_timeout_s=1))
    part = supervisor.add(Part("redis", "redis", SLEEPER, tmp_path / "r.log"))
    try:
        first = part.process
        assert first is not None
        fault = supervisor.apply_fault(FaultRequest(part="redis", action="kill", ttl_s=1.0))
        _run(supervisor, 0.7)
        assert part.process is None  # held: no restart before the TTL
        _run(supervisor, 0.6)
        assert part.process is not None and part.process.pid != first.pid
        assert part.restarts == 1
        assert fault.active is False and fault.ended_by == "ttl"
        with pytest.raises(UsageError, match="no part named 'nope'"):
            supervisor.apply_fault(FaultRequest(part="nope", action="kill", ttl_s=1))
    finally:
        supervisor.stop_all()


def test_stop_fault_is_continued_at_its_ttl_or_on_request(tmp_path: Path) -> None:
    supervisor = Supervisor(TimingsConfig(stop_timeout_s=1))
    part = supervisor.add(Part("redis", "redis", SLEEPER, tmp_path / "r.log"))
    try:
        assert part.process is not None
        process = psutil.Process(part.process.pid)
        supervisor.apply_fault(FaultRequest(part="redis", action="stop", ttl_s=0.5))
        assert process.status() == psutil.STATUS_STOPPED
        up = supervisor.registry.get_sample_value("slogate_part_up", {"part": "redis"})
        assert up == 0
        _run(supervisor, 0.7)
        assert process.status() != psutil.STATUS_STOPPED
        second = supervisor.apply_fault(FaultRequest(part="redis", action="stop", ttl_s=60))
        supervisor.end_fault(second.id)
        wait_until(lambda: process.status() != psutil.STATUS_STOPPED, timeout=2, what="SIGCONT")
        assert second.ended_by == "request"
        assert part.restarts == 0
    finally:
        supervisor.stop_all()
    assert not process.is_running() or process.status() == psutil.STATUS_ZOMBIE


def test_stop_fault_needs_a_ttl() -> None:
    with pytest.raises(ValueError, match="needs ttl_s > 0"):
        FaultRequest(part="redis", action="stop", ttl_s=0)

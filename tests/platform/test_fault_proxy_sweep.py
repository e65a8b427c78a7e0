"""The supervisor's fault-proxy sweep against a real toxiproxy-server (built by
scripts/build-control-plane.sh toxiproxy), supervised by a real Supervisor; nothing is faked.
A hung toxiproxy is a SIGSTOPped one; the HTTP timeout is shortened to 0.5 s to keep it quick.

What is shown: a proxy disabled behind the supervisor's back is enabled again by the sweep,
while one held by a partition stays disabled until the partition ends; a hung toxiproxy does
not delay the supervisor's loop; a partition whose disable timed out but was applied later is
not left in force (the fault is dropped and the proxy enabled again).
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from slogate.config import TimingsConfig
from slogate.errors import UsageError
from slogate.platform.local import toxiproxy
from slogate.platform.local.faults import FaultRequest
from slogate.platform.local.supervisor import Part, Supervisor
from tests.support.waiting import free_port

pytestmark = pytest.mark.slow
SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


@pytest.fixture
def supervisor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Supervisor]:
    monkeypatch.setattr(toxiproxy, "HTTP_TIMEOUT_S", 0.5)
    supervisor = Supervisor(TimingsConfig(stop_timeout_s=2))
    api = free_port()
    proxies_file = tmp_path / "toxiproxy.json"
    config = toxiproxy.write_proxies_config(proxies_file, [free_port()], [free_port()])
    command = toxiproxy.toxiproxy_command(toxiproxy.find_toxiproxy(), api, config)
    supervisor.add(Part("toxiproxy", "fault-proxy", command, tmp_path / "toxiproxy.log", api))
    supervisor.add(Part("replica-0", "replica", SLEEPER, tmp_path / "replica.log"))
    url = toxiproxy.api_url(api)
    try:
        _tick_until(supervisor, lambda: toxiproxy.all_proxies_listening(url, {"replica-0"}), 15)
        supervisor.watch_fault_proxy(url)
        yield supervisor
    finally:
        toxiproxy_part = supervisor.parts["toxiproxy"].process
        if toxiproxy_part is not None:
            os.killpg(toxiproxy_part.pid, signal.SIGCONT)
        supervisor.stop_all()


def _tick_until(supervisor: Supervisor, done: object, timeout: float) -> float:
    """Run the supervisor's loop until `done()`; the longest tick it took."""
    assert callable(done)
    deadline = time.monotonic() + timeout
    longest = 0.0
    while not done():
        assert time.monotonic() < deadline, "timed out"
        started = time.monotonic()
        supervisor.tick(0.01)
        longest = max(longest, time.monotonic() - started)
    return longest


def _enabled(supervisor: Supervisor) -> bool:
    assert supervisor.fault_proxy_url is not None
    return bool(toxiproxy.proxies(supervisor.fault_proxy_url)["replica-0"]["enabled"])


def _toxiproxy_pid(supervisor: Supervisor) -> int:
    process = supervisor.parts["toxiproxy"].process
    assert process is not None
    return process.pid


def test_the_sweep_enables_a_proxy_no_partition_holds_and_leaves_a_held_one(
    supervisor: Supervisor,
) -> None:
    url = supervisor.fault_proxy_url
    assert url is not None
    toxiproxy.set_enabled(url, "replica-0", False)  # behind the supervisor's back
    started = time.monotonic()
    _tick_until(supervisor, lambda: _enabled(supervisor), 5)
    assert time.monotonic() - started < 1.0  # one sweep: every 0.25 s
    fault = supervisor.apply_fault(FaultRequest(part="replica-0", action="partition", ttl_s=1.0))
    assert not _enabled(supervisor)
    _tick_until(supervisor, lambda: not fault.active, 5)  # four sweeps at least
    assert fault.ended_by == "ttl"
    _tick_until(supervisor, lambda: _enabled(supervisor), 1)


def test_a_hung_toxiproxy_does_not_hold_up_the_supervisors_loop(supervisor: Supervisor) -> None:
    os.killpg(_toxiproxy_pid(supervisor), signal.SIGSTOP)
    deadline = time.monotonic() + 1.5  # three sweeps time out meanwhile (0.5 s each)
    longest = _tick_until(supervisor, lambda: time.monotonic() > deadline, 5)
    assert longest < 0.2
    os.killpg(_toxiproxy_pid(supervisor), signal.SIGCONT)
    assert supervisor.parts["replica-0"].running


def test_a_partition_whose_disable_timed_out_is_not_left_in_force(
    supervisor: Supervisor,
) -> None:
    os.killpg(_toxiproxy_pid(supervisor), signal.SIGSTOP)  # the disable is applied only later
    request = FaultRequest(part="replica-0", action="partition", ttl_s=60)
    with pytest.raises(UsageError, match="toxiproxy did not disable replica-0's proxy"):
        supervisor.apply_fault(request)
    assert supervisor.faults == []
    os.killpg(_toxiproxy_pid(supervisor), signal.SIGCONT)
    _tick_until(supervisor, lambda: _enabled(supervisor), 5)
    settle = time.monotonic() + 1.0  # and it stays so (queued requests all answered by now)
    _tick_until(supervisor, lambda: time.monotonic() > settle, 5)
    assert _enabled(supervisor)
    assert supervisor.status()["faults"] == []

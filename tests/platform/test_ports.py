"""Ports: free ones are distinct and reserved; a pinned port in use is refused."""

from __future__ import annotations

import socket
import subprocess

import pytest

from slogate.config import PortsConfig
from slogate.errors import PortInUseError
from slogate.host.ports import port_in_use
from slogate.platform.local.ports import allocate_ports, check_pinned_ports
from tests.support.waiting import free_port, port_is_listening, wait_until


def test_free_ports_are_distinct_and_held() -> None:
    ports = allocate_ports(PortsConfig(), replicas=3)
    try:
        values = list(ports.named().values())
        assert len(values) == len(set(values)) == 9
        with socket.socket() as other, pytest.raises(OSError, match="in use"):
            other.bind(("127.0.0.1", ports.edge))  # no SO_REUSEADDR: refused while reserved
    finally:
        ports.release()


def _free_pair() -> int:
    """A base port whose next port is free too (a lone free port says nothing of base + 1)."""
    for _ in range(50):
        base = free_port()
        if base < 65535 and not port_in_use(base + 1):
            return base
    raise AssertionError("no two adjacent free ports in 50 tries")


def test_pinned_ports_are_used() -> None:
    base = _free_pair()
    edge = next(p for p in iter(free_port, None) if p not in (base, base + 1))
    ports = allocate_ports(PortsConfig(edge=edge, replicas_base=base), replicas=2)
    try:
        assert ports.edge == edge
        assert ports.replicas == [base, base + 1]
    finally:
        ports.release()


def test_pinned_port_in_use_is_refused() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert port_in_use(port)
        with pytest.raises(PortInUseError, match=f"port {port} pinned for redis") as raised:
            allocate_ports(PortsConfig(redis=port), replicas=1)
        assert "`ports.redis` in slogate.yaml or `--redis-port`" in str(raised.value)
        with pytest.raises(PortInUseError, match=r"`ports\.replicas_base`"):
            check_pinned_ports(PortsConfig(replicas_base=port - 1), replicas=2)
        with pytest.raises(PortInUseError):
            check_pinned_ports(PortsConfig(prometheus=port), replicas=1)


def test_port_pinned_twice_is_refused() -> None:
    port = free_port()
    with pytest.raises(PortInUseError, match="pinned twice"):
        allocate_ports(PortsConfig(edge=port, prometheus=port), replicas=1)


@pytest.mark.slow
def test_a_reserved_port_can_be_taken_by_the_child() -> None:
    ports = allocate_ports(PortsConfig(), replicas=1)
    process = subprocess.Popen(
        ["redis-server", "--port", str(ports.redis), "--bind", "127.0.0.1", "--save", ""],
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: port_is_listening(ports.redis), timeout=10, what="redis, reserved port")
    finally:
        process.kill()
        process.wait(timeout=10)
        ports.release()

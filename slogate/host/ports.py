"""Loopback ports: a free one, whether one is taken, and a reservation that holds one.

A reservation is a socket bound with SO_REUSEADDR that never listens: while it is open the
kernel hands that port to nobody else who asks for a free one, yet a child that sets
SO_REUSEADDR itself can still bind and listen on it.
"""

from __future__ import annotations

import socket

HOST = "127.0.0.1"


def reserve(port: int) -> socket.socket:
    """A socket bound to `port` on loopback (0: a free one) that holds it until closed."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError:
        sock.close()
        raise
    return sock


def free_port() -> int:
    """A loopback port that was free a moment ago, for a child that binds it itself."""
    with reserve(0) as sock:
        return int(sock.getsockname()[1])


def port_in_use(port: int) -> bool:
    """True when something listens on (or exclusively holds) the port on loopback."""
    try:
        reserve(port).close()
    except OSError:
        return True
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.2)
        return probe.connect_ex((HOST, port)) == 0

"""Probes used while a stack comes up (each with a short timeout)."""

from __future__ import annotations

import socket

import httpx

from slogate.host.ports import HOST


def http_ok(url: str, timeout: float = 1.0) -> bool:
    """True when GET url answers 200."""
    try:
        return httpx.get(url, timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def redis_answers(port: int, timeout: float = 1.0) -> bool:
    """True when redis-server on `port` answers PING with PONG."""
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False

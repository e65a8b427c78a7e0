"""Probes used while a stack comes up (each with a short timeout)."""

from __future__ import annotations

import httpx
import redis

from slogate.host.ports import HOST


def http_ok(url: str, timeout: float = 1.0) -> bool:
    """True when GET url answers 200."""
    try:
        return httpx.get(url, timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def redis_answers(port: int, password: str, timeout: float = 1.0) -> bool:
    """True when redis-server on `port` accepts `password` and answers PING."""
    client = redis.Redis(
        host=HOST, port=port, password=password, socket_timeout=timeout,
        socket_connect_timeout=timeout,
    )  # fmt: skip
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()

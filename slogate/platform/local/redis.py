"""The Redis part: a redis-server on loopback, no persistence (a stack starts empty)."""

from __future__ import annotations

from pathlib import Path

from slogate.host.ports import HOST


def redis_command(binary: str, port: int, data_dir: Path) -> list[str]:
    """Command line of the stack's redis-server."""
    return [
        binary,
        "--port",
        str(port),
        "--bind",
        HOST,
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(data_dir),
        "--protected-mode",
        "yes",
    ]


def redis_url(port: int) -> str:
    """The URL a replica is given."""
    return f"redis://{HOST}:{port}/0"

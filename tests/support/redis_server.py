"""A real redis-server on a free loopback port, for tests."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.waiting import free_port, port_is_listening, wait_until


@dataclass
class RedisServer:
    """A redis-server process the test owns."""

    port: int
    process: subprocess.Popen[bytes]
    directory: Path

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop_process(self) -> None:
        """SIGSTOP: Redis hangs (connections open, nothing answered)."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def continue_process(self) -> None:
        """SIGCONT after a stop."""
        os.kill(self.process.pid, signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL: connections are refused until it is started again."""
        self.process.kill()
        self.process.wait(timeout=10)

    def start(self) -> None:
        """(Re)start on the same port."""
        self.process = _spawn(self.port, self.directory)
        wait_until(lambda: port_is_listening(self.port), timeout=10, what="redis-server")


def _spawn(port: int, directory: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@contextmanager
def running_redis() -> Iterator[RedisServer]:
    """Start redis-server on a free port; stop it (even if stopped with SIGSTOP) afterwards."""
    with tempfile.TemporaryDirectory(prefix="slogate-redis-") as directory:
        port = free_port()
        server = RedisServer(
            port=port, process=_spawn(port, Path(directory)), directory=Path(directory)
        )
        try:
            wait_until(lambda: port_is_listening(port), timeout=10, what="redis-server")
            yield server
        finally:
            if server.process.poll() is None:
                os.kill(server.process.pid, signal.SIGCONT)
                server.process.kill()
                server.process.wait(timeout=10)

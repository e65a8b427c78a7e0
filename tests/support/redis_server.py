"""A real redis-server on a free loopback port, behind a password (as a stack's Redis is), for
tests: `url` carries the password, so every client proves it reaches Redis with one."""

from __future__ import annotations

import os
import secrets
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
    password: str

    @property
    def url(self) -> str:
        if not self.password:  # as the in-cluster Redis of k8s/redis/
            return f"redis://127.0.0.1:{self.port}/0"
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"

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
        self.process = _spawn(self.directory / "redis.conf")
        wait_until(lambda: port_is_listening(self.port), timeout=10, what="redis-server")


def _write_config(directory: Path, port: int, password: str) -> Path:
    """redis.conf with the password (0600: not on a command line)."""
    path = directory / "redis.conf"
    path.write_text(
        f'port {port}\nbind 127.0.0.1\nsave ""\nappendonly no\n'
        f'dir "{directory}"\n' + (f"requirepass {password}\n" if password else "")
    )
    path.chmod(0o600)
    return path


def _spawn(config: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        ["redis-server", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


@contextmanager
def running_redis(with_password: bool = True) -> Iterator[RedisServer]:
    """Start redis-server on a free port (behind a password unless `with_password` is false);
    stop it (even if stopped with SIGSTOP) afterwards."""
    with tempfile.TemporaryDirectory(prefix="slogate-redis-") as directory:
        port = free_port()
        password = secrets.token_urlsafe(24) if with_password else ""
        config = _write_config(Path(directory), port, password)
        server = RedisServer(
            port=port, process=_spawn(config), directory=Path(directory), password=password
        )
        try:
            wait_until(lambda: port_is_listening(port), timeout=10, what="redis-server")
            yield server
        finally:
            if server.process.poll() is None:
                os.kill(server.process.pid, signal.SIGCONT)
                server.process.kill()
                server.process.wait(timeout=10)

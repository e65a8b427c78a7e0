"""Seed a stack's data set with the service's seed command (`service.seed_command`).

One way to seed, used by `slogate up` (once the stack is ready) and `slogate run` (which
starts it as soon as Redis answers and collects it once the stack is ready, overlapping the
replicas' start). The command gets the service's `env`, its Redis URL variable set to the
stack's Redis (with its password), and runs in the replicas' working folder. No seed
command: nothing is seeded.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from slogate.config import SlogateConfig, expand
from slogate.errors import InfrastructureError
from slogate.host.children import spawn_child, stop_child
from slogate.host.ports import HOST

SEED_TIMEOUT_S = 120.0


def seed_environment(config: SlogateConfig, url: str) -> dict[str, str]:
    """The seed command's environment: slogate's, the service's `env`, the Redis URL."""
    service = config.service
    values = {"python": sys.executable, "redis_url": url, "host": HOST}
    env = {**os.environ, **{k: expand(v, values) for k, v in service.env.items()}}
    if service.redis_url_env:
        env[service.redis_url_env] = url
    return env


class Seeding:
    """One seed run in the background: `start`, then `wait` (or `stop`)."""

    def __init__(self, config: SlogateConfig, log: Path) -> None:
        self.config = config
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.started = 0.0

    @property
    def wanted(self) -> bool:
        """False when the service has no seed command."""
        return self.config.service.seed_command is not None

    def start(self, redis_url: str) -> None:
        template = self.config.service.seed_command
        if template is None:
            return
        values = {"python": sys.executable, "redis_url": redis_url, "host": HOST}
        command = [expand(argument, values) for argument in template]
        cwd = self.config.base_dir
        if self.config.service.working_dir:
            cwd = (cwd / self.config.service.working_dir).resolve()
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.started = time.monotonic()
        self.process = spawn_child(
            command, self.log, env=seed_environment(self.config, redis_url), cwd=cwd
        )

    def wait(self) -> None:
        """Until seeding has ended; InfrastructureError when it failed or overran."""
        if not self.wanted:
            return
        if self.process is None:
            raise InfrastructureError("seeding never started (Redis was not ready)")
        remaining = max(0.0, self.started + SEED_TIMEOUT_S - time.monotonic())
        try:
            code = self.process.wait(timeout=remaining)
        except subprocess.TimeoutExpired as error:
            self.stop()
            raise InfrastructureError(
                f"seeding did not finish in {SEED_TIMEOUT_S:g} s; see {self.log}"
            ) from error
        if code != 0:
            tail = "\n".join(self.log.read_text(errors="replace").splitlines()[-10:])
            raise InfrastructureError(
                f"seeding the data set failed (exit {code}; service.seed_command in "
                f"{self.config.source or 'slogate.yaml'}); its log {self.log}:\n{tail}"
            )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            stop_child(self.process, 5.0)


def seed_stack(config: SlogateConfig, redis_url: str, log: Path) -> bool:
    """Seed now and wait; False when the service has no seed command."""
    seeding = Seeding(config, log)
    if not seeding.wanted:
        return False
    try:
        seeding.start(redis_url)
        seeding.wait()
    finally:
        seeding.stop()
    return True

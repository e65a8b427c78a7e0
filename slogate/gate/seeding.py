"""Seed the data set the load's journeys read (`python -m target_service seed`).

Seeding needs only Redis, so the gate starts it as soon as Redis answers and collects it
once the stack is ready: it overlaps with the replicas' start and Prometheus' first scrape.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from slogate.chaos.children import spawn_child, stop_child
from slogate.errors import InfrastructureError
from slogate.platform.local.redis import redis_url

SEED_TIMEOUT_S = 120.0


class Seeding:
    """One `target_service seed` run in the background: `start`, then `wait` (or `stop`)."""

    def __init__(self, organisations: int, log: Path) -> None:
        self.organisations = organisations
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.started = 0.0

    def start(self, redis_port: int) -> None:
        env = {**os.environ, "TARGET_REDIS_URL": redis_url(redis_port)}
        command = [sys.executable, "-m", "target_service", "seed"]
        command += ["--organisations", str(self.organisations)]
        self.started = time.monotonic()
        self.process = spawn_child(command, self.log, env=env)

    def wait(self) -> None:
        """Until seeding has ended; InfrastructureError when it failed or overran."""
        if self.process is None:
            raise InfrastructureError("seeding never started (Redis was not ready)")
        remaining = max(0.0, self.started + SEED_TIMEOUT_S - time.monotonic())
        try:
            code = self.process.wait(timeout=remaining)
        except subprocess.TimeoutExpired as error:
            self.stop()
            raise InfrastructureError(f"seeding did not finish in {SEED_TIMEOUT_S:g} s") from error
        if code != 0:
            tail = "\n".join(self.log.read_text(errors="replace").splitlines()[-10:])
            raise InfrastructureError(f"seeding the data set failed (exit {code}):\n{tail}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            stop_child(self.process, 5.0)

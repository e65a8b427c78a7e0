"""Seed the data set the load's journeys read (`python -m target_service seed`)."""

from __future__ import annotations

import os
import subprocess
import sys

from slogate.errors import InfrastructureError
from slogate.platform.local.redis import redis_url
from slogate.platform.state import StackState

SEED_TIMEOUT_S = 120.0


def seed_data(state: StackState, organisations: int) -> None:
    """Load `organisations` organisations into the stack's Redis (InfrastructureError if not)."""
    port = state.part("redis").port
    assert port is not None
    env = {**os.environ, "TARGET_REDIS_URL": redis_url(port)}
    command = [
        sys.executable,
        "-m",
        "target_service",
        "seed",
        "--organisations",
        str(organisations),
    ]
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=SEED_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise InfrastructureError(f"seeding did not finish in {SEED_TIMEOUT_S:g} s") from error
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).splitlines()[-10:])
        raise InfrastructureError(f"seeding the data set failed (exit {done.returncode}):\n{tail}")

"""`python -m target_service seed` and `reset` against a real Redis."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import redis

from tests.support.redis_server import RedisServer
from tests.target_service.service_process import REPO_ROOT, service_env

pytestmark = pytest.mark.slow


def run(redis_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "target_service", *args],
        env=service_env(redis_url, 0),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_seed_is_deterministic_and_reset_clears_it(redis_server: RedisServer) -> None:
    client = redis.Redis.from_url(redis_server.url, decode_responses=True, socket_timeout=5)
    client.set("someone-else:key", "kept")
    args = ("seed", "--organisations", "3", "--clinics", "2", "--staff", "4", "--seed", "42")
    first = run(redis_server.url, *args)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout) == {"organisations": 3, "clinics": 6, "assignments": 24}
    keys = sorted(client.scan_iter("cn:*"))
    snapshot = {key: client.type(key) for key in keys}
    organisation_ids = client.zrange("cn:organisation:index", 0, -1)
    assert len(organisation_ids) == 3

    again = run(redis_server.url, *args)  # same seed: same records, nothing added
    assert again.returncode == 0, again.stderr
    assert {key: client.type(key) for key in client.scan_iter("cn:*")} == snapshot
    assert client.zcard("cn:assignment:index") == 24

    reset = run(redis_server.url, "reset")
    assert reset.returncode == 0, reset.stderr
    assert json.loads(reset.stdout)["deleted_keys"] == len(keys)
    assert list(client.scan_iter("cn:*")) == []
    assert client.get("someone-else:key") == "kept"
    client.close()


def test_seed_without_redis_fails_with_a_message() -> None:
    result = run("redis://127.0.0.1:1/0", "seed", "--organisations", "1")
    assert result.returncode == 1
    assert "unavailable" in result.stderr
    assert "Traceback" not in result.stderr


def test_seed_rejects_a_bad_count() -> None:
    result = run("redis://127.0.0.1:1/0", "seed", "--organisations", "-3")
    assert result.returncode == 2
    assert "--organisations" in result.stderr


def test_a_redis_password_never_reaches_the_message() -> None:
    result = run("redis://:s3cret-pw@127.0.0.1:1/0", "seed", "--organisations", "1")
    assert result.returncode == 1
    assert "Redis at redis://:***@127.0.0.1:1/0 is unavailable" in result.stderr
    assert "s3cret-pw" not in result.stderr

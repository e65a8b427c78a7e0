"""Settings: a bad environment value stops start-up with a message naming the variable."""

from __future__ import annotations

import subprocess
import sys

import pytest

from target_service.core.config import InvalidSettings, load_settings
from tests.target_service.service_process import REPO_ROOT, service_env


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"TARGET_PORT": "eighty"}, "TARGET_PORT"),
        ({"TARGET_PORT": "70000"}, "TARGET_PORT"),
        ({"TARGET_DRAIN_TIMEOUT_S": "-1"}, "TARGET_DRAIN_TIMEOUT_S"),
        ({"TARGET_REDIS_URL": "http://x"}, "TARGET_REDIS_URL"),
        ({"TARGET_LOG_LEVEL": "loud"}, "TARGET_LOG_LEVEL"),
        ({"TARGET_BREAKER_FAILURE_THRESHOLD": "0"}, "TARGET_BREAKER_FAILURE_THRESHOLD"),
        ({"TARGET_ADMIN_ENABLED": "true"}, "TARGET_ADMIN_TOKEN"),
    ],
)
def test_bad_value_is_named(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], named: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(InvalidSettings, match=named):
        load_settings()


def test_defaults_match_the_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in [k for k in __import__("os").environ if k.startswith("TARGET_")]:
        monkeypatch.delenv(key)
    settings = load_settings()
    assert (settings.host, settings.port, settings.replica) == ("127.0.0.1", 8000, "0")
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert (settings.shutdown_delay_s, settings.drain_timeout_s) == (3.0, 30.0)
    assert settings.admin_enabled is False
    assert settings.log_level == "info"


@pytest.mark.slow
def test_start_up_refused_with_exit_2_and_no_traceback() -> None:
    env = service_env("redis://127.0.0.1:1/0", 0, {"TARGET_SHUTDOWN_DELAY_S": "soon"})
    result = subprocess.run(
        [sys.executable, "-m", "target_service"],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "TARGET_SHUTDOWN_DELAY_S" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_check_across_variables_reads_as_one_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TARGET_ADMIN_ENABLED", "true")
    monkeypatch.delenv("TARGET_ADMIN_TOKEN", raising=False)
    with pytest.raises(InvalidSettings) as raised:
        load_settings()
    assert str(raised.value).startswith("TARGET_ADMIN_TOKEN must be set")

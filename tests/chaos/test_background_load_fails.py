"""`slogate chaos` whose background load dies says why: the load log's last error line."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from tests.support.cli import REPO, run_cli, slogate, slogate_env

pytestmark = pytest.mark.slow


def test_an_unseeded_stack_names_the_load_error(tmp_path: Path) -> None:
    env = slogate_env(tmp_path / "home")
    config = tmp_path / "slogate.yaml"
    service = {"replicas": 1, "working_dir": str(REPO), "env": {"TARGET_SHUTDOWN_DELAY_S": "0"}}
    config.write_text(yaml.safe_dump({"service": service}))

    def run(*arguments: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """In a subprocess: the detached `slogate up`, and `slogate chaos` with its Locust."""
        return subprocess.run(
            slogate(*arguments), cwd=REPO, env=env, capture_output=True, text=True,
            timeout=timeout,
        )  # fmt: skip

    try:
        started = run("up", "--stack", "unseeded", "--config", str(config), "--no-seed")
        assert started.returncode == 0, started.stderr
        done = run("chaos", "pod-kill", "--stack", "unseeded", "--run-dir", str(tmp_path / "run"))
    finally:
        run_cli("down", "--stack", "unseeded", env=env, cwd=REPO)
    assert done.returncode == 4, done.stderr
    message = done.stderr
    assert "the background load ended early: " in message
    assert "target_service seed" in message  # the load's own error says how to fix it
    assert str(tmp_path / "run" / "load.log") in message
    assert "Traceback" not in message

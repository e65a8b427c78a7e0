"""`slogate load` refuses bad input with exit 2 and a message naming the fix.

In-process (run_cli): each case ends before Locust would start (run_cli fails a test whose
command imports gevent).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import REPO, Result, run_cli
from tests.support.waiting import free_port


def _load(run_dir: Path, *args: str) -> Result:
    """`slogate load ARGS --run-dir RUN_DIR` from the repository, SLOGATE_HOME in RUN_DIR."""
    return run_cli(
        "load", *args, "--run-dir", str(run_dir),
        env={"SLOGATE_HOME": str(run_dir / "home")}, cwd=REPO,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope", "--host", "http://127.0.0.1:9"], "unknown load profile 'nope'; known profiles"),
        (["smoke", "--stack", "absent"], "stack 'absent' is not up: start it with `slogate up"),
        (["smoke", "--host", "http://127.0.0.1:9", "--rate", "-1"], "--rate must be positive"),
        (["smoke", "--workers", "-1"], "Invalid value for '--workers'"),
    ],
)
def test_bad_input_exits_2(tmp_path, args, message):
    result = _load(tmp_path, *args)
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "summary.json").exists()


def test_unreachable_target_is_an_infrastructure_failure(tmp_path):
    result = _load(tmp_path, "smoke", "--host", f"http://127.0.0.1:{free_port()}")
    assert result.exit_code == 4
    assert "does not answer" in result.stderr
    assert not (tmp_path / "summary.json").exists()

"""`slogate chaos` on bad input: exit 2, a message that says what to do, nothing started."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from filelock import FileLock

from slogate.chaos.runner import ChaosPlan, run_chaos
from slogate.errors import UsageError
from slogate.platform.state import StackState, save_state, stack_dir
from tests.support.cli import REPO, Result, run_cli


def _chaos(tmp_path: Path, *arguments: str) -> Result:
    return run_cli(
        "chaos", *arguments, "--run-dir", str(tmp_path / "run"),
        env={"SLOGATE_HOME": str(tmp_path / "home")}, cwd=REPO,
    )  # fmt: skip


def test_an_unknown_experiment_names_the_known_ones(tmp_path: Path) -> None:
    result = _chaos(tmp_path, "pod-kil")
    assert result.exit_code == 2
    assert "experiment 'pod-kil' not found" in result.stderr
    assert "pod-kill" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "run").exists()


def test_a_stack_that_is_not_up_says_how_to_start_it(tmp_path: Path) -> None:
    result = _chaos(tmp_path, "pod-kill", "--stack", "nowhere")
    assert result.exit_code == 2
    assert "slogate up --stack nowhere" in result.stderr
    assert not (tmp_path / "run").exists()


def test_a_second_chaos_run_on_the_same_stack_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLOGATE_HOME", str(tmp_path / "home"))
    save_state(StackState(stack="busy", started_at=time.time(), run_dir=str(tmp_path)))
    plan = ChaosPlan(
        experiment=REPO / "experiments" / "pod-kill.yaml",
        stack="busy",
        run_id="second",
        run_dir=tmp_path / "run",
    )
    busy = "another `slogate chaos` is running on stack 'busy'"
    with FileLock(str(stack_dir("busy") / "chaos.lock")), pytest.raises(UsageError, match=busy):
        run_chaos(plan, lambda line: None)
    assert not (tmp_path / "run").exists()

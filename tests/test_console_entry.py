"""The `slogate` console script end to end, in a real process: it is wired to the entry point,
and `run_cli` (how the other tests run the CLI, in-process) ends exactly as the real process
does: the same exit code, stdout and stderr."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from slogate import __version__
from tests.support.cli import REPO, Result, run_cli

CONSOLE_SCRIPT = Path(sys.executable).parent / "slogate"


def _console(tmp_path: Path, *arguments: str) -> Result:
    env = {**os.environ, "SLOGATE_HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [str(CONSOLE_SCRIPT), *arguments], cwd=REPO, env=env, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    return Result(done.returncode, done.stdout, done.stderr)


def test_the_console_script_runs_slogate(tmp_path: Path) -> None:
    assert _console(tmp_path, "--version") == Result(0, f"slogate, version {__version__}\n", "")


@pytest.mark.parametrize(
    ("arguments", "exit_code", "stderr_starts"),
    [
        (("chaos", "pod-kil"), 2, "error: experiment 'pod-kil' not found"),  # a SlogateError
        (("no-such-command",), 2, "Usage: slogate [OPTIONS]"),  # a ClickException
    ],
)
def test_run_cli_ends_as_the_real_process_does(
    tmp_path: Path, arguments: tuple[str, ...], exit_code: int, stderr_starts: str
) -> None:
    real = _console(tmp_path, *arguments)
    assert real.exit_code == exit_code
    assert real.stderr.startswith(stderr_starts), real.stderr
    assert "Traceback" not in real.stderr
    in_process = run_cli(*arguments, env={"SLOGATE_HOME": str(tmp_path / "home")}, cwd=REPO)
    assert in_process == real


def test_an_exception_that_escapes_main_is_a_traceback_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the interpreter shows a user for a bug; so `"Traceback" not in stderr` can fail."""
    import slogate.cli.validate

    def broken(path: str | None) -> None:
        raise RuntimeError("a bug in load_config")

    monkeypatch.setattr(slogate.cli.validate, "load_config", broken)
    result = run_cli("validate", cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stderr.startswith("Traceback (most recent call last):")
    assert result.stderr.endswith("RuntimeError: a bug in load_config\n")


def test_a_command_that_leaves_a_signal_handler_behind_fails_its_test(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import slogate.cli.validate

    def installs_a_handler(path: str | None) -> None:
        signal.signal(signal.SIGTERM, lambda signum, frame: None)
        raise RuntimeError("stopped after installing the handler")

    monkeypatch.setattr(slogate.cli.validate, "load_config", installs_a_handler)
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(AssertionError, match="slogate validate left its SIGTERM handler installed"):
        run_cli("validate", cwd=tmp_path)
    assert signal.getsignal(signal.SIGTERM) == before  # put back all the same

"""`run_then_exit` ends a program as `sys.exit` would (exit code, last words, atexit handlers,
buffered output, log files) without the interpreter's teardown; each case is a real process."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.cli import REPO

PROGRAM = textwrap.dedent(
    """
    import atexit, logging, sys, threading, time
    from pathlib import Path
    from slogate.host.prompt_exit import run_then_exit

    folder = Path(sys.argv[1])
    case = sys.argv[2]

    def program():
        atexit.register(lambda: (folder / "atexit").write_text("ran"))
        log = logging.getLogger("case")
        log.addHandler(logging.FileHandler(folder / "log"))
        log.warning("logged")
        print("printed", end="")  # stdout is a pipe: block-buffered, not yet written
        if case == "thread":
            def late():
                time.sleep(0.5)
                (folder / "thread").write_text("finished")
            threading.Thread(target=late).start()
        if case == "bug":
            raise RuntimeError("a bug")
        if case == "returns":
            return
        sys.exit({"code": 3, "message": "a message", "thread": 4}[case])

    run_then_exit(program)
    """
)


def _run(tmp_path: Path, case: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PROGRAM, str(tmp_path), case], cwd=REPO, capture_output=True,
        text=True, timeout=60, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("case", "exit_code", "stderr"),
    [("code", 3, ""), ("returns", 0, ""), ("message", 1, "a message\n"), ("thread", 4, "")],
)
def test_the_program_ends_as_sys_exit_would(
    tmp_path: Path, case: str, exit_code: int, stderr: str
) -> None:
    done = _run(tmp_path, case)
    assert (done.returncode, done.stdout, done.stderr) == (exit_code, "printed", stderr)
    assert (tmp_path / "atexit").read_text() == "ran"
    assert (tmp_path / "log").read_text() == "logged\n"


def test_a_running_thread_is_waited_for(tmp_path: Path) -> None:
    """A non-daemon thread still running: the normal exit, which waits for it."""
    assert _run(tmp_path, "thread").returncode == 4
    assert (tmp_path / "thread").read_text() == "finished"


def test_an_escaping_exception_is_a_traceback_and_exit_1(tmp_path: Path) -> None:
    done = _run(tmp_path, "bug")
    assert done.returncode == 1
    assert done.stderr.rstrip().endswith("RuntimeError: a bug"), done.stderr
    assert (tmp_path / "atexit").read_text() == "ran"

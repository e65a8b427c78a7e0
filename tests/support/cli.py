"""The slogate CLI in tests: in-process through click's runner (`run_cli`, the default), or as
a user runs it, in a subprocess (`slogate`, where a real process is the point: signals, process
groups, Locust, a detached `slogate up`, what survives a process death); and SLOGATE_HOME for
in-process reads."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import traceback
from collections.abc import Iterator, Mapping
from contextlib import chdir, contextmanager
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from slogate.cli import main

REPO = Path(__file__).resolve().parents[2]
SLOGATE = [sys.executable, "-c", "from slogate.cli import main; main()"]


@dataclass(frozen=True)
class Result:
    """What `slogate ARGS` ended with: its exit code and what it printed on each stream."""

    exit_code: int
    stdout: str
    stderr: str


def run_cli(
    *arguments: str,
    env: Mapping[str, str | None] | None = None,
    cwd: Path | str | None = None,
) -> Result:
    """`slogate ARGUMENTS` in this process, through the console entry `slogate.cli.main`, so
    errors map to exit codes and messages exactly as for a user; stdout and stderr are captured
    apart by click's CliRunner. `env` overrides os.environ while it runs (None removes a
    variable; everything is restored afterwards); `cwd` is the working folder while it runs.

    An exception that escapes `main` is what the interpreter would show a user: its traceback
    on stderr and exit code 1, so `"Traceback" not in result.stderr` means what it says.

    Fails the test if the command left a SIGINT/SIGTERM handler of its own installed, or
    imported gevent (Locust runs only in subprocesses; gevent patches this process for good).
    """
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    had_gevent = "gevent" in sys.modules
    runner = CliRunner()
    with chdir(cwd or os.getcwd()), runner.isolation(env=env) as (stdout, stderr, _):
        try:
            main(list(arguments))
        except SystemExit as exited:
            code = exited.code
            if isinstance(code, str):  # sys.exit("message"): the interpreter prints it
                print(code, file=sys.stderr)
            exit_code = code if isinstance(code, int) else (0 if code is None else 1)
        except Exception:  # what the interpreter shows for an uncaught exception
            traceback.print_exc()
            exit_code = 1
        else:
            raise AssertionError("slogate.cli.main returned instead of exiting")
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        result = Result(exit_code, stdout.getvalue().decode(), stderr.getvalue().decode())
    command = " ".join(("slogate", *arguments))
    left = [signal.Signals(s).name for s, h in handlers.items() if signal.getsignal(s) != h]
    for signum, handler in handlers.items():
        signal.signal(signum, handler)
    assert not left, f"{command} left its {', '.join(left)} handler installed"
    assert had_gevent or "gevent" not in sys.modules, f"{command} imported gevent"
    return result


def slogate(*arguments: str) -> list[str]:
    """The command line of `slogate ARGUMENTS` with this interpreter (for a subprocess)."""
    return [*SLOGATE, *arguments]


def slogate_env(home: Path) -> dict[str, str]:
    """This process's environment with SLOGATE_HOME at `home` (a test's own stacks)."""
    return {**os.environ, "SLOGATE_HOME": str(home)}


@contextmanager
def slogate_home(home: Path) -> Iterator[Path]:
    """SLOGATE_HOME set to `home` while in-process code reads stack state or ledgers; the
    previous value (or its absence) is restored afterwards."""
    previous = os.environ.get("SLOGATE_HOME")
    os.environ["SLOGATE_HOME"] = str(home)
    try:
        yield home
    finally:
        if previous is None:
            del os.environ["SLOGATE_HOME"]
        else:
            os.environ["SLOGATE_HOME"] = previous


def stop_slogate(process: subprocess.Popen[str], grace_s: float = 60) -> None:
    """Make sure a slogate process is gone, also when a test fails: SIGTERM first, so it stops
    its children and rolls back its faults as on Ctrl-C, SIGKILL after `grace_s`."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def close_pipes(process: subprocess.Popen[str]) -> None:
    """Close the pipes of a process a test started (a test that only waits for it leaves them
    to the garbage collector, which reports them as ResourceWarnings in some later test)."""
    for pipe in (process.stdin, process.stdout, process.stderr):
        if pipe is not None:
            pipe.close()

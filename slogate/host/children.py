"""slogate's own children: the load (`slogate load`), Chaos Toolkit (`chaos run`), seeding.

This is the one place that builds their command lines and owns their lifetimes. Each child
leads its own process group (so a terminal's Ctrl-C reaches slogate alone, and slogate decides
the order of shutdown) and gets SIGTERM when slogate dies (PR_SET_PDEATHSIG), so even a
SIGKILLed slogate leaves no child running: Chaos Toolkit then plays its rollbacks and the load
runner stops Locust. slogate's own commands run as a program (`python -m slogate`), never by
importing the command line as a library.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from slogate.host.processes import spawn, stop_process

# how long a child `slogate load` may take to write its first status (interpreter, Locust,
# client metrics server), whoever started it
LOAD_START_TIMEOUT_S = 60.0
LOAD_STOP_GRACE_S = 15.0
CHAOS_STOP_GRACE_S = 20.0


def slogate_command(*arguments: str) -> list[str]:
    """`slogate ARGUMENTS` run with this interpreter (no console script needed)."""
    return [sys.executable, "-m", "slogate", *arguments]


def load_command(
    profile: str,
    stack: str,
    duration_s: float,
    run_dir: Path,
    loadtests: Path,
    *options: str,
) -> list[str]:
    """`slogate load PROFILE` into `run_dir` (status.json, summary.json), with `options`."""
    return slogate_command(
        "load", profile, "--stack", stack, "--duration", f"{duration_s:g}",
        "--run-dir", str(run_dir), "--loadtests", str(loadtests), *options,
    )  # fmt: skip


def chaos_run_command(experiment: Path, run_dir: Path) -> list[str]:
    """`chaos run` with every rollback played, its journal, log and settings in `run_dir`."""
    settings = run_dir / "chaostoolkit-settings.yaml"
    command = [sys.executable, "-m", "chaostoolkit", "--no-version-check"]
    command += ["--log-file", str(run_dir / "chaostoolkit.log"), "--settings", str(settings)]
    command += ["run", "--rollback-strategy", "always"]
    command += ["--journal-path", str(run_dir / "journal.json")]
    return [*command, str(experiment)]


def spawn_child(
    command: list[str], log: Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start `command` in a new process group, output to `log`, SIGTERMed if we die."""
    return spawn(command, log, env=env, cwd=cwd, death_signal=signal.SIGTERM)


def stop_child(process: subprocess.Popen[bytes], grace_s: float) -> int:
    """SIGTERM the child's group, SIGKILL it after `grace_s`; its exit code."""
    code = stop_process(process, grace_s)
    return process.wait(timeout=10) if code is None else code

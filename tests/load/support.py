"""Running `slogate load` as a subprocess, the way a user does: these runs start Locust, whose
process group `slogate load` owns, signals and stops, with its own SIGTERM handler installed
(bad input, which ends before Locust starts, is tested in-process in test_cli_load.py)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.support.cli import REPO as REPO_ROOT
from tests.support.cli import SLOGATE, slogate_env

__all__ = ["REPO_ROOT", "SLOGATE", "explain", "run_load", "slogate_env"]


def run_load(
    run_dir: Path, *args: str, home: Path | None = None, timeout: float = 120
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any] | None]:
    """`slogate load ARGS --run-dir RUN_DIR`; the process and summary.json (if written)."""
    result = subprocess.run(
        [*SLOGATE, "load", *args, "--run-dir", str(run_dir)],
        cwd=REPO_ROOT,
        env=slogate_env(home or run_dir / "home"),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    path = run_dir / "summary.json"
    summary = json.loads(path.read_text()) if path.exists() else None
    return result, summary


def explain(result: subprocess.CompletedProcess[str], run_dir: Path) -> str:
    log = run_dir / "locust.log"
    tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
    return f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}\n{tail}"

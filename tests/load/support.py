"""Running `slogate load` as a subprocess, the way a user does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
SLOGATE = [sys.executable, "-c", "from slogate.cli import main; main()"]


def slogate_env(home: Path) -> dict[str, str]:
    return {**os.environ, "SLOGATE_HOME": str(home)}


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

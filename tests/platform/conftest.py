"""Fixtures for the local-platform tests: the slogate CLI (in-process, or in a subprocess where
a real process is the point), stacks that are always brought down, and the tiny second service
given only through slogate.yaml."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import pytest
import yaml

from slogate.platform.state import StackState, load_state
from tests.support.cli import REPO, Result, close_pipes, run_cli, slogate_env, slogate_home
from tests.support.cli import slogate as slogate_command

TINY_COMMAND = [
    "{python}", "-m", "uvicorn", "tests.platform.tiny_service:app",
    "--host", "{host}", "--port", "{port}", "--no-access-log", "--log-level", "warning",
]  # fmt: skip


@dataclass
class Slogate:
    """Runs `slogate` with SLOGATE_HOME and cwd in the test's tmp_path: in this process (`cli`),
    or in a subprocess (`process`, `popen`) for a detached `slogate up`, which leaves the stack
    running after the command's process has ended, or a process to signal."""

    home: Path
    cwd: Path
    env: dict[str, str]
    started: list[subprocess.Popen[str]] = field(default_factory=list)

    def cli(self, *args: str) -> Result:
        return run_cli(*args, env=self.env, cwd=self.cwd)

    def process(
        self, *args: str, timeout: float = 120, **kwargs: Any
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            slogate_command(*args), cwd=self.cwd, env=self.env, capture_output=True, text=True,
            timeout=timeout, **kwargs,
        )  # fmt: skip

    def popen(self, *args: str) -> subprocess.Popen[str]:
        """`slogate ARGS` running; its pipes are closed at the test's end (`close_pipes`)."""
        process = subprocess.Popen(
            slogate_command(*args), cwd=self.cwd, env=self.env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.started.append(process)
        return process

    def close_pipes(self) -> None:
        """Close what `popen` opened (a test that only waits for its process leaves them)."""
        for process in self.started:
            close_pipes(process)

    def state(self, stack: str) -> StackState | None:
        with slogate_home(self.home):
            return load_state(stack)


def tiny_config(mark: Path, **sections: Any) -> dict[str, Any]:
    """slogate.yaml for the tiny service; `mark` ends up in every process's environment."""
    config: dict[str, Any] = {
        "service": {
            "command": TINY_COMMAND,
            "working_dir": str(REPO),
            "port_env": None,
            "host_env": None,
            "redis_url_env": None,
            "replica_env": "TINY_REPLICA",
            "env": {"SLOGATE_TEST_MARK": str(mark)},
        },
        "timings": {"restart_backoff_base_s": 0.5, "ready_timeout_s": 30, "stop_timeout_s": 3},
    }
    for name, values in sections.items():
        config.setdefault(name, {}).update(values)
    return config


def write_config(directory: Path, config: dict[str, Any]) -> Path:
    path = directory / "slogate.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def marked_processes(mark: Path) -> list[psutil.Process]:
    """Processes of this test: `mark` in their command line or environment."""
    found = []
    for process in psutil.process_iter(["pid", "cmdline"]):
        try:
            if process.pid == os.getpid():
                continue
            text = " ".join(process.info["cmdline"] or [])
            ours = str(mark) in text or process.environ().get("SLOGATE_TEST_MARK") == str(mark)
            if ours and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
        except psutil.Error:
            continue
    return found


@pytest.fixture
def slogate(tmp_path: Path) -> Iterator[Slogate]:
    """The CLI for this test; every stack it started is brought down afterwards."""
    home = tmp_path / "home"
    env = {**slogate_env(home), "SLOGATE_TEST_MARK": str(tmp_path)}
    runner = Slogate(home=home, cwd=tmp_path, env=env)
    yield runner
    stacks = home / "stacks"
    if stacks.exists():
        for stack in stacks.iterdir():
            if (stack / "state.json").exists():
                runner.cli("down", "--stack", stack.name)
    for process in marked_processes(tmp_path):  # last resort: never leave a process behind
        process.kill()
    runner.close_pipes()


@pytest.fixture
def tiny_stack_config(tmp_path: Path) -> Callable[..., Path]:
    """Write slogate.yaml for the tiny service (sections override the defaults)."""

    def write(**sections: Any) -> Path:
        return write_config(tmp_path, tiny_config(tmp_path, **sections))

    return write

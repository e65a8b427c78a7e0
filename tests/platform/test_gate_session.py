"""The local platform's gate session (LocalGateSession): what its supervisor thread restarted is
stopped gracefully at tear-down, not SIGKILLed by the kernel when the thread ends
(PR_SET_PDEATHSIG)."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from slogate.config import parse_config
from slogate.platform.base import SessionHooks
from slogate.platform.local.gate_session import LocalGateSession
from slogate.platform.local.readiness import http_ok
from tests.platform.conftest import marked_processes, tiny_config
from tests.support.cli import slogate_home
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow


def test_a_replica_restarted_by_the_gate_is_stopped_gracefully(tmp_path: Path) -> None:
    config = parse_config(tiny_config(tmp_path, service={"replicas": 1}), "test")
    hooks = SessionHooks(on_event=lambda event: None, should_stop=lambda: False)
    stack = LocalGateSession(config, "restarted", hooks)
    try:
        with slogate_home(tmp_path / "home"):
            stack.up()
            part = stack.local.supervisor.parts["replica-0"]
            assert part.process is not None
            os.kill(part.process.pid, signal.SIGKILL)
            wait_until(lambda: part.restarts == 1 and part.running, 30, 0.05, "restart")
            restarted = part.process
            assert isinstance(restarted, subprocess.Popen)
            ready = f"http://127.0.0.1:{part.port}/health/readiness"
            wait_until(lambda: http_ok(ready), 30, 0.05, "restarted replica ready")
            stack.down()
        # ended by SIGTERM after a graceful shutdown (uvicorn re-raises the signal it handled);
        # the kernel's SIGKILL at the thread's exit made this -9
        assert restarted.returncode == -signal.SIGTERM
    finally:
        with slogate_home(tmp_path / "home"):
            stack.down()
        for process in marked_processes(tmp_path):
            process.kill()

"""Start a stack's supervisor detached and follow its progress until the stack is ready.

Used by `slogate up` (and by `slogate run`, benchmarks and tests). Bad input is rejected here,
before anything starts: config, binaries, pinned ports, a stack that is already up.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import threading
import time
from contextlib import nullcontext
from pathlib import Path

from slogate.config import SlogateConfig
from slogate.errors import ExitCode, InfrastructureError, Interrupted, SlogateError, UsageError
from slogate.host.binaries import require_binaries
from slogate.host.processes import reap_in_background
from slogate.interrupts import InterruptSignals
from slogate.platform.base import OnEvent
from slogate.platform.local.daemon import DaemonMessage, LaunchSpec
from slogate.platform.local.ports import check_pinned_ports
from slogate.platform.local.stack import down_stack
from slogate.platform.local.toxiproxy import find_toxiproxy
from slogate.platform.state import (
    STATE_ROOT_ENV,
    StackState,
    ensure_stack_dir,
    load_state,
    slogate_home,
    stack_dir,
)


def preflight(config: SlogateConfig, stack: str) -> None:
    """Everything that must hold before a process starts (each failure is exit 2)."""
    stack_dir(stack)  # checks the name
    require_binaries()
    if config.faults == "toxiproxy":
        find_toxiproxy()
    state = load_state(stack)
    if state is not None:
        supervisor = next((p.process for p in state.parts if p.kind == "supervisor"), None)
        if supervisor is not None and supervisor.is_running():
            raise UsageError(
                f"stack {stack!r} is already up (supervisor pid {supervisor.pid}); "
                f"stop it with `slogate down --stack {stack}` or pick another --stack"
            )
        down_stack(stack)  # leftovers of a stack whose supervisor died
    check_pinned_ports(config.ports, config.service.replicas)


def _error_for(exit_code: ExitCode | None, message: str) -> SlogateError:
    if exit_code is ExitCode.USAGE:
        return UsageError(message)
    if exit_code is ExitCode.INTERRUPTED:
        return Interrupted(message)
    return InfrastructureError(message)


def start_detached(
    config: SlogateConfig, stack: str, progress: OnEvent | None = None
) -> StackState:
    """Start the supervisor in its own session; return the state once the stack is ready."""
    preflight(config, stack)
    directory = ensure_stack_dir(stack)
    launch_file = directory / "launch.json"
    launch_file.write_text(LaunchSpec.of(stack, config).model_dump_json(indent=2))
    log_path = directory / "supervisor.log"
    read_end, write_end = os.pipe()
    env = {**os.environ, STATE_ROOT_ENV: str(slogate_home())}
    with open(log_path, "wb") as log:
        supervisor = subprocess.Popen(
            [
                *(sys.executable, "-m", "slogate.platform.local.daemon", str(launch_file)),
                *("--progress-fd", str(write_end)),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            pass_fds=(write_end,),
            start_new_session=True,
            env=env,
        )
    os.close(write_end)
    signals = InterruptSignals()
    on_main_thread = threading.current_thread() is threading.main_thread()
    # SIGTERM interrupts the wait like Ctrl-C; a second signal cannot skip the clean-up
    with signals.installed() if on_main_thread else nullcontext(signals):
        try:
            state = _follow(supervisor, read_end, log_path, config, progress)
            reap_in_background(supervisor)  # the stack's now: outlives this command
            return state
        except (KeyboardInterrupt, Interrupted) as error:
            with signals.shield():
                _stop_supervisor(supervisor, stack)
            raise Interrupted("interrupted during `up`; everything started was stopped") from error
        finally:
            os.close(read_end)


def _follow(
    supervisor: subprocess.Popen[bytes],
    read_end: int,
    log_path: Path,
    config: SlogateConfig,
    progress: OnEvent | None,
) -> StackState:
    deadline = time.monotonic() + 4 * config.timings.ready_timeout_s + 120
    buffer = b""
    with os.fdopen(os.dup(read_end), "rb", buffering=0) as stream:
        while time.monotonic() < deadline:
            readable, _, _ = select.select([stream], [], [], 0.5)
            if not readable:
                continue
            chunk = stream.read(65536)
            if not chunk:
                break
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                message = DaemonMessage.model_validate_json(line)
                if message.event == "ready" and message.state is not None:
                    return message.state
                if message.event == "failed":
                    supervisor.wait(timeout=60)
                    raise _error_for(message.exit_code, message.message or "the stack failed")
                if progress is not None and message.progress is not None:
                    progress(message.progress)
    code = supervisor.poll()
    raise InfrastructureError(
        f"the supervisor ended without reporting a ready stack (exit code {code}); "
        f"see its log: {log_path}"
    )


def _stop_supervisor(supervisor: subprocess.Popen[bytes], stack: str) -> None:
    """Ask the supervisor to stop what it started, and make sure it did."""
    if supervisor.poll() is None:
        supervisor.send_signal(signal.SIGTERM)
        try:
            supervisor.wait(timeout=60)
        except subprocess.TimeoutExpired:
            supervisor.kill()
    down_stack(stack)

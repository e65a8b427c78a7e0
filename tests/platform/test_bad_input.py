"""Bad input stops `slogate up` before anything starts (exit 2); a part that never becomes
ready, or a Ctrl-C during `up`, leaves nothing running (exit 4 / 130)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
from pathlib import Path
from typing import Any

import pytest

from tests.platform.conftest import Slogate, marked_processes
from tests.support.waiting import wait_until


def test_unknown_key_in_slogate_yaml_is_exit_2_naming_the_key(
    slogate: Slogate, tmp_path: Path
) -> None:
    (tmp_path / "slogate.yaml").write_text("service:\n  replicas: 2\n  comand: [x]\n")
    for command in ("up", "validate"):
        result = slogate.cli(command)
        assert result.exit_code == 2
        assert "service.comand" in result.stderr
        assert "unknown key" in result.stderr
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "home" / "stacks").exists()


def test_validate_accepts_a_good_file(slogate: Slogate, tiny_stack_config: Any) -> None:
    path = tiny_stack_config()
    result = slogate.cli("validate")
    assert result.exit_code == 0
    assert f"ok: {path}" in result.stdout


def test_validate_checks_what_a_gate_names(slogate: Slogate, tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[2]
    shutil.copytree(repo / "loadtests", tmp_path / "loadtests")
    shutil.copytree(repo / "slo", tmp_path / "slo")
    gate = "gates:\n  g:\n    load: {profile: smoke, rate: 100, duration_s: 60}\n"
    config = tmp_path / "slogate.yaml"
    config.write_text(gate + "    objectives: {baseline: [availabilty]}\n")
    result = slogate.cli("validate")
    assert result.exit_code == 2
    assert "gates.g.objectives.baseline" in result.stderr
    assert "'availabilty' is not in" in result.stderr
    config.write_text(
        gate + "    objectives: {baseline: [availability]}\n"
        "    experiments: [{experiment: no-such, at_s: 20, fault_s: 5}]\n"
    )
    result = slogate.cli("validate")
    assert result.exit_code == 2
    assert "gates.g.experiments[0].experiment" in result.stderr
    config.write_text(gate + "    objectives: {baseline: [availability]}\n")
    result = slogate.cli("validate")
    assert result.exit_code == 0, result.stderr
    assert "gates: g" in result.stdout
    assert "warning" not in result.stderr
    config.write_text(
        gate.replace("rate: 100", "rate: 10") + "    objectives: {baseline: [availability]}\n"
    )
    result = slogate.cli("validate")
    assert result.exit_code == 0, result.stderr
    assert "warning: gate g: baseline: objective 'availability'" in result.stderr


def test_missing_binary_is_exit_2_naming_the_package(slogate: Slogate, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("haproxy", "redis-server"):  # prometheus left out
        found = shutil.which(name) or shutil.which(name, path="/usr/sbin")
        assert found is not None
        (bin_dir / name).symlink_to(found)
    slogate.env["PATH"] = str(bin_dir)
    result = slogate.cli("up")
    assert result.exit_code == 2, result.stderr
    assert "'prometheus' was not found" in result.stderr
    assert "apt-get install -y prometheus" in result.stderr
    doctor = slogate.cli("doctor")
    assert doctor.exit_code == 2
    assert "missing  prometheus" in doctor.stdout
    assert marked_processes(tmp_path) == []


def test_pinned_port_in_use_is_exit_2_and_nothing_starts(
    slogate: Slogate, tiny_stack_config: Any, tmp_path: Path
) -> None:
    tiny_stack_config()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        result = slogate.cli("up", "--prometheus-port", str(port))
    assert result.exit_code == 2, result.stdout + result.stderr
    assert f"port {port} pinned for prometheus is already in use" in result.stderr
    assert marked_processes(tmp_path) == []
    assert slogate.state("default") is None


@pytest.mark.slow
def test_replica_never_ready_is_exit_4_naming_its_log(
    slogate: Slogate, tiny_stack_config: Any, tmp_path: Path
) -> None:
    env = {"SLOGATE_TEST_MARK": str(tmp_path), "TINY_NEVER_READY": "1"}
    config = tiny_stack_config(service={"replicas": 2, "env": env}, timings={"ready_timeout_s": 3})
    assert config.exists()
    result = slogate.process("up")
    assert result.returncode == 4, result.stdout + result.stderr
    assert "was not ready after 3 s" in result.stderr
    assert "run/logs/replica-" in result.stderr
    assert "Traceback" not in result.stderr
    assert marked_processes(tmp_path) == []
    assert slogate.state("default") is None


@pytest.mark.slow
def test_crashing_replica_is_exit_4_naming_its_log(
    slogate: Slogate, tiny_stack_config: Any, tmp_path: Path
) -> None:
    tiny_stack_config(service={"command": ["{python}", "-c", "import sys; sys.exit(3)"]})
    result = slogate.process("up")
    assert result.returncode == 4
    assert "exited (code 3) while starting; see its log:" in result.stderr
    assert marked_processes(tmp_path) == []


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_during_up_leaves_nothing_running(
    slogate: Slogate, tiny_stack_config: Any, tmp_path: Path, signum: int
) -> None:
    tiny_stack_config(service={"replicas": 2})
    process = slogate.popen("up")
    try:
        wait_until(
            lambda: (s := slogate.state("default")) and any(p.kind == "replica" for p in s.parts),
            timeout=60, what="replicas starting",
        )  # fmt: skip
        os.kill(process.pid, signum)
        assert process.wait(timeout=60) == 130
    finally:
        if process.poll() is None:
            process.kill()
    assert "interrupted" in (process.stderr.read() if process.stderr else "")
    wait_until(lambda: marked_processes(tmp_path) == [], timeout=10, what="no process left")
    assert slogate.state("default") is None


@pytest.mark.slow
def test_prometheus_that_fails_to_start_is_exit_4_naming_its_log(
    slogate: Slogate, tiny_stack_config: Any, tmp_path: Path
) -> None:
    tiny_stack_config()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "prometheus"
    fake.write_text("#!/bin/sh\necho 'err: cannot start' >&2\nexit 1\n")
    fake.chmod(0o755)
    slogate.env["PATH"] = f"{bin_dir}{os.pathsep}{slogate.env['PATH']}"
    result = slogate.process("up")
    assert result.returncode == 4, result.stderr
    assert "prometheus exited (code 1) while starting; see its log:" in result.stderr
    log = Path(result.stderr.split("see its log: ")[1].strip())
    assert "err: cannot start" in log.read_text()
    assert marked_processes(tmp_path) == []
    assert slogate.state("default") is None

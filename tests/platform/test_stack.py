"""The real local stack with the tiny service given only through slogate.yaml.

Every test starts real processes (slow); the `slogate` fixture brings every stack down
afterwards and kills anything carrying the test's mark.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from slogate.platform.local import haproxy
from slogate.platform.local.prometheus import reload_prometheus
from slogate.platform.state import StackState
from tests.platform.conftest import Slogate, marked_processes
from tests.support.cli import slogate_home
from tests.support.waiting import free_port, port_is_listening, wait_until

pytestmark = pytest.mark.slow


def up(slogate: Slogate, stack: str = "default", *flags: str) -> StackState:
    result = slogate.process("up", "--stack", stack, *flags)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"stack '{stack}' is ready" in result.stdout
    state = slogate.state(stack)
    assert state is not None
    assert state.edge_url is not None
    assert state.edge_url in result.stdout
    return state


def recorded_pids(state: StackState) -> list[int]:
    return [part.process.pid for part in state.parts if part.process is not None]


def listening_ports(state: StackState) -> list[int]:
    ports = [part.port for part in state.parts if part.port is not None]
    ports.append(int(state.part("edge").extra["metrics_port"]))
    return ports


def assert_nothing_left(state: StackState, slogate: Slogate, mark: Path) -> None:
    for pid in recorded_pids(state):
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    for port in listening_ports(state):
        assert not port_is_listening(port), f"port {port} still listening"
    assert marked_processes(mark) == []
    assert slogate.state(state.stack) is None


def prometheus_value(state: StackState, query: str) -> float | None:
    response = httpx.get(f"{state.prometheus_url}/api/v1/query", params={"query": query}, timeout=5)
    result = response.json()["data"]["result"]
    return float(result[0]["value"][1]) if result else None


def control_headers(slogate: Slogate, stack: str = "default") -> dict[str, str]:
    """The stack's admin token, which the supervisor's control API requires."""
    token = (slogate.home / "stacks" / stack / "admin-token").read_text().strip()
    return {"Authorization": f"Bearer {token}"}


def edge_view(state: StackState) -> dict[str, str]:
    return haproxy.server_status(Path(str(state.part("edge").extra["runtime_socket"])))


class ClientLoop:
    """A client looping GET requests through the edge, counting answers per replica."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.replicas: list[tuple[float, str]] = []
        self.errors: list[tuple[float, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=5) as client:
            while not self._stop.is_set():
                try:
                    response = client.get(f"{self.url}/api/hello")
                    if response.status_code != 200:
                        self.errors.append((time.monotonic(), f"status {response.status_code}"))
                    else:
                        self.replicas.append((time.monotonic(), response.json()["replica"]))
                except httpx.HTTPError as error:
                    self.errors.append((time.monotonic(), repr(error)))
                time.sleep(0.005)

    def __enter__(self) -> ClientLoop:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def test_up_kill_restart_fault_and_down(
    slogate: Slogate, tiny_stack_config: Any, tmp_path: Path
) -> None:
    tiny_stack_config(timings={"restart_backoff_base_s": 1.5})
    state = up(slogate)

    # traffic through the edge reaches every replica; /admin is blocked at the edge
    answers = Counter(httpx.get(f"{state.edge_url}/api/hello", timeout=5).json()["replica"]
                      for _ in range(12))  # fmt: skip
    assert set(answers) == {"0", "1", "2"}
    admin = httpx.get(f"{state.edge_url}/admin/anything", timeout=5)
    assert admin.status_code == 403
    replica_1 = state.part("replica-1")
    assert replica_1.process is not None and replica_1.url is not None
    assert httpx.get(f"{replica_1.url}/admin/x", timeout=5).status_code == 200  # direct: allowed

    # SIGKILL replica-1 while a client loops: the edge stops routing to it, the supervisor
    # restarts it after its back-off, the edge routes to it again, Prometheus counts 1 restart
    with ClientLoop(state.edge_url or "") as client:
        wait_until(lambda: len(client.replicas) > 20, timeout=10, what="client traffic")
        os.kill(replica_1.process.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        wait_until(lambda: edge_view(state).get("replica-1") == "DOWN", timeout=5, what="DOWN")
        down_at = time.monotonic()
        wait_until(lambda: edge_view(state).get("replica-1") == "UP", timeout=20, what="UP again")
        up_at = time.monotonic()
        wait_until(lambda: any(t > up_at and r == "1" for t, r in client.replicas), timeout=10,
                   what="traffic to the restarted replica")  # fmt: skip
    served_while_down = [r for t, r in client.replicas if down_at + 0.3 < t < up_at - 0.3]
    assert served_while_down, "the client got no answers while replica-1 was down"
    assert "1" not in served_while_down
    assert up_at - killed_at >= 1.0  # the restart waited for its back-off
    # The edge retries every request the kill broke before its answer began. A SIGKILL that
    # lands after the replica sent its response head cuts that one answer, which no proxy may
    # replay; the client sends one request at a time, so that is at most one, at the kill.
    assert len(client.errors) <= 1, client.errors
    for at, error in client.errors:
        assert "RemoteProtocolError" in error and abs(at - killed_at) < 1, client.errors
    restarted = slogate.state("default")
    assert restarted is not None
    new_process = restarted.part("replica-1").process
    assert new_process is not None and new_process.pid != replica_1.process.pid
    wait_until(
        lambda: prometheus_value(state, 'slogate_restarts_total{part="replica-1"}') == 1.0,
        timeout=10, what="restart count 1 in Prometheus",
    )  # fmt: skip
    assert prometheus_value(state, 'slogate_restarts_total{part="replica-0"}') == 0.0

    # a stop fault on Redis, applied by the supervisor, ends by itself at its TTL
    redis = psutil.Process(state.part("redis").process.pid)  # type: ignore[union-attr]
    headers = control_headers(slogate)
    with httpx.Client(base_url=state.supervisor_url or "", headers=headers, timeout=5) as control:
        fault = control.post("/faults", json={"part": "redis", "action": "stop", "ttl_s": 2}).json()
        assert fault["action"] == "stop" and fault["active"] is True
        assert redis.status() == psutil.STATUS_STOPPED
        wait_until(
            lambda: redis.status() != psutil.STATUS_STOPPED, timeout=10, what="SIGCONT at TTL"
        )
        ended = control.get("/faults").json()
        assert [(f["id"], f["active"], f["ended_by"]) for f in ended] == [
            (fault["id"], False, "ttl")
        ]
        assert ended[0]["ended_at"] - fault["applied_at"] == pytest.approx(2.0, abs=0.5)

        # status shows an active fault; ending it early continues the process
        long = control.post(
            "/faults", json={"part": "redis", "action": "stop", "ttl_s": 120}
        ).json()
        status = slogate.cli("status")
        assert status.exit_code == 0
        assert f"stop (120 s, id {long['id']})" in status.stdout
        assert control.delete(f"/faults/{long['id']}").json()["ended_by"] == "request"
        wait_until(lambda: redis.status() != psutil.STATUS_STOPPED, timeout=5, what="SIGCONT")

    # status shows every part with its restarts
    status = slogate.cli("status")
    assert "part=replica-1" in status.stdout and "restarts=1" in status.stdout

    # down: no process and no listening port left
    final = slogate.state("default")
    assert final is not None
    result = slogate.cli("down")
    assert result.exit_code == 0, result.stderr
    assert "is down" in result.stdout
    assert_nothing_left(final, slogate, tmp_path)


def test_down_after_the_supervisor_was_sigkilled(
    slogate: Slogate, tiny_stack_config: Any, tmp_path: Path
) -> None:
    tiny_stack_config(service={"replicas": 2})
    state = up(slogate, "orphans")
    supervisor = state.part("supervisor").process
    assert supervisor is not None
    os.kill(supervisor.pid, signal.SIGKILL)
    wait_until(lambda: not supervisor.is_running(), timeout=10, what="supervisor gone")
    dead = slogate.cli("status", "--stack", "orphans")
    assert dead.exit_code == 4
    assert "slogate down --stack orphans" in dead.stderr
    result = slogate.cli("down", "--stack", "orphans")
    assert result.exit_code == 0, result.stderr
    assert_nothing_left(state, slogate, tmp_path)


def test_delete_drains_then_replaces_a_replica(slogate: Slogate, tiny_stack_config: Any) -> None:
    tiny_stack_config(service={"replicas": 2}, timings={"grace_period_s": 2})
    state = up(slogate)
    old = state.part("replica-0").process
    assert old is not None
    headers = control_headers(slogate)
    answer = httpx.post(
        f"{state.supervisor_url}/parts/replica-0/delete", headers=headers, timeout=5
    )
    assert answer.status_code == 202
    assert edge_view(state)["replica-0"] in ("DRAIN", "DOWN", "MAINT")

    def replaced() -> bool:
        current = slogate.state("default")
        process = current.part("replica-0").process if current else None
        return process is not None and process.pid != old.pid and process.is_running()

    wait_until(replaced, timeout=15, what="a new replica-0")
    wait_until(lambda: edge_view(state).get("replica-0") == "UP", timeout=15, what="routed again")
    status = httpx.get(f"{state.supervisor_url}/status", timeout=5).json()
    part = next(p for p in status["parts"] if p["name"] == "replica-0")
    assert part["restarts"] == 0  # a deletion is not a crash
    unknown = httpx.post(
        f"{state.supervisor_url}/parts/replica-9/delete", headers=headers, timeout=5
    )
    assert unknown.status_code == 400 and "replica-9" in unknown.json()["error"]


def test_two_stacks_at_once_do_not_collide(
    slogate: Slogate, tiny_stack_config: Any, tmp_path: Path
) -> None:
    tiny_stack_config(service={"replicas": 1})
    first, second = slogate.popen("up", "--stack", "one"), slogate.popen("up", "--stack", "two")
    assert first.wait(timeout=120) == 0, first.stderr.read() if first.stderr else ""
    assert second.wait(timeout=120) == 0, second.stderr.read() if second.stderr else ""
    one, two = slogate.state("one"), slogate.state("two")
    assert one is not None and two is not None
    assert not set(listening_ports(one)) & set(listening_ports(two))
    for state in (one, two):
        assert httpx.get(f"{state.edge_url}/api/hello", timeout=5).status_code == 200
    assert slogate.cli("down", "--stack", "one").exit_code == 0
    assert_nothing_left(one, slogate, tmp_path / "nowhere")
    for port in listening_ports(two):
        if port != two.client_metrics_port:
            assert port_is_listening(port)
    assert httpx.get(f"{two.edge_url}/api/hello", timeout=5).status_code == 200
    assert slogate.cli("down", "--stack", "two").exit_code == 0
    assert_nothing_left(two, slogate, tmp_path)


def test_foreground_up_stops_on_sigterm(slogate: Slogate, tiny_stack_config: Any) -> None:
    tiny_stack_config(service={"replicas": 3})
    edge_port = free_port()
    process = slogate.popen("up", "--foreground", "--stack", "fg", "--replicas", "1",
                            "--edge-port", str(edge_port))  # fmt: skip
    try:
        state = wait_until(lambda: (s := slogate.state("fg")) and s.edge_url and s, timeout=60,
                           what="foreground stack ready")  # fmt: skip
        assert state.edge_url == f"http://127.0.0.1:{edge_port}"
        assert [p.name for p in state.parts_of_kind("replica")] == ["replica-0"]
        assert httpx.get(f"{state.edge_url}/api/hello", timeout=5).status_code == 200

        # the rule-file hook: a file in the run folder's rules/ is loaded on reload
        rules_dir = Path(str(state.part("prometheus").extra["rules_dir"]))
        (rules_dir / "test.yml").write_text(
            "groups:\n- name: hook\n  rules:\n  - record: hook:up\n    expr: sum(up)\n"
        )
        with slogate_home(slogate.home):
            reload_prometheus(state)
        groups = httpx.get(f"{state.prometheus_url}/api/v1/rules", timeout=5).json()
        assert [g["name"] for g in groups["data"]["groups"]] == ["hook"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
    for port in listening_ports(state):
        assert not port_is_listening(port)
    assert slogate.state("fg") is None

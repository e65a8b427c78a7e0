"""The local platform's fault proxy (`faults: toxiproxy`) against real parts: a service with no
fault hooks (tests/support/hookless_service.py) on uvicorn, HAProxy, Prometheus, Redis and a
real toxiproxy-server (built by scripts/build-control-plane.sh toxiproxy, as `make setup`
does). Nothing is faked.

What is shown: a latency toxic slows the edge's answers but not its health checks (replicas
stay UP); a toxic outlives a SIGKILLed `slogate chaos` only until its TTL, which the supervisor
enforces; the ledger alone rolls toxics back (also one whose `applied` line was never
written); a partitioned replica is routed around and comes back at its TTL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from slogate.chaos.actions import inject_errors, inject_latency, partition_replicas
from slogate.chaos.ledger import FaultEvent, FaultLedger, Rollback
from slogate.chaos.rollback import roll_back_faults
from slogate.platform.local import haproxy, toxiproxy
from slogate.platform.state import StackState
from tests.platform.conftest import Slogate, write_config
from tests.support.cli import REPO, slogate_home
from tests.support.cli import slogate as slogate_command
from tests.support.experiments import experiment, slogate_action
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("fault-proxy")]

HOOKLESS_COMMAND = [
    "{python}", "-m", "uvicorn", "tests.support.hookless_service:app",
    "--host", "{host}", "--port", "{port}", "--no-access-log", "--log-level", "warning",
]  # fmt: skip
HOOKLESS_SERVICE: dict[str, Any] = {
    "command": HOOKLESS_COMMAND,
    "working_dir": str(REPO),
    "port_env": None,
    "host_env": None,
    "redis_url_env": None,
    "replica_env": "HOOKLESS_REPLICA",
    "admin_enabled_env": None,  # it has no /admin routes at all
    "admin_token_env": None,
}
STACK = "toxi"


def hookless_config(mark: Path, **sections: Any) -> dict[str, Any]:
    service = {**HOOKLESS_SERVICE, "env": {"SLOGATE_TEST_MARK": str(mark)}}
    timings = {"ready_timeout_s": 30, "stop_timeout_s": 3}
    return {"faults": "toxiproxy", "service": service, "timings": timings, **sections}


@contextmanager
def hookless_stack(slogate: Slogate, tmp_path: Path) -> Iterator[StackState]:
    write_config(tmp_path, hookless_config(tmp_path))
    result = slogate.process("up", "--stack", STACK)
    assert result.returncode == 0, result.stdout + result.stderr
    state = slogate.state(STACK)
    assert state is not None
    with slogate_home(slogate.home):
        yield state


def fault_proxy_url(state: StackState) -> str:
    (part,) = state.parts_of_kind("fault-proxy")
    assert part.url is not None
    return part.url


def toxics(state: StackState) -> dict[str, list[dict[str, Any]]]:
    return {name: p["toxics"] for name, p in toxiproxy.proxies(fault_proxy_url(state)).items()}


def configuration() -> dict[str, str]:
    return {"slogate_stack": STACK, "slogate_run_id": "test-run"}


def timed_get(url: str) -> tuple[float, httpx.Response]:
    started = time.monotonic()
    response = httpx.get(url, timeout=10)
    return time.monotonic() - started, response


def edge_status(state: StackState) -> dict[str, str]:
    return haproxy.server_status(Path(str(state.part("edge").extra["runtime_socket"])))


LATENCY_UNTIL_KILLED = experiment(
    "latency-until-killed",
    "600 ms on every replica's proxy, TTL 5 s; the method then waits",
    [slogate_action("delay", "inject_latency", 120, fixed_ms=600, ttl_s=5, routes="/api/other")],
)


def test_a_latency_toxic_slows_the_edge_not_its_checks_and_ends_at_its_ttl_when_chaos_is_killed(
    slogate: Slogate, tmp_path: Path
) -> None:
    experiment = tmp_path / "latency-until-killed.yaml"
    experiment.write_text(yaml.safe_dump(LATENCY_UNTIL_KILLED))
    with hookless_stack(slogate, tmp_path) as state:
        cfg = (tmp_path / "home" / "stacks" / STACK / "run" / "haproxy.cfg").read_text()
        replicas = state.parts_of_kind("replica")
        for replica in replicas:  # traffic through the proxy, checks straight to the replica
            assert f"check port {replica.port}" in cfg
        run_dir = tmp_path / "chaos-run"
        chaos = subprocess.Popen(
            slogate_command("chaos", str(experiment), "--stack", STACK, "--no-load",
                            "--run-id", "killed-run", "--run-dir", str(run_dir)),
            cwd=tmp_path, env=slogate.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            process_group=0,
        )  # fmt: skip
        ledger = FaultLedger(STACK)
        try:

            def applied() -> list[Any]:
                events = [e for e in ledger.entries() if e.event is FaultEvent.APPLIED]
                return events if len(events) == len(replicas) else []

            entries = wait_until(applied, timeout=60, what="three applied toxics in the ledger")
            assert {e.target for e in entries} == {r.name for r in replicas}
            assert all(e.rollback and e.rollback.via == "toxiproxy" for e in entries)
            # the toxics are in force: the edge answers 600 ms late, the replicas at once
            assert edge_status(state) == {r.name: "UP" for r in replicas}
            for _ in range(3):
                seconds, response = timed_get(f"{state.edge_url}/api/hello")
                assert response.status_code == 200
                assert seconds >= 0.6
            seconds, _ = timed_get(f"{replicas[0].url}/api/hello")
            assert seconds < 0.6  # anything through the toxic takes 0.6 s or more
            # checks at 250 ms went on for over 1.8 s under a 600 ms toxic: nobody went DOWN
            assert edge_status(state) == {r.name: "UP" for r in replicas}
            log = (run_dir / "chaos.log").read_text()
            assert "routes '/api/other' ignored" in log
            os.killpg(chaos.pid, signal.SIGKILL)  # no rollback of any kind runs now
            chaos.wait(timeout=10)
        finally:
            if chaos.poll() is None:
                os.killpg(chaos.pid, signal.SIGKILL)
                chaos.wait(timeout=10)
        expires_at = max(e.expires_at for e in entries)
        assert any(toxics(state).values()), "the toxics went with slogate chaos"
        wait_until(lambda: not any(toxics(state).values()), timeout=15, what="toxics gone")
        gone_at = time.time()
        # ended by the supervisor's sweep (every 0.25 s) at the TTL: not before it, and not
        # left for the next run; the upper bound leaves a busy 2-core machine a few sweeps
        assert expires_at - 0.1 <= gone_at <= expires_at + 3.0
        seconds, _ = timed_get(f"{state.edge_url}/api/hello")
        assert seconds < 0.6  # the toxic is gone from the edge's path too
        # the next run's sweep closes them from the ledger (expired, or gone at the injector)
        report = roll_back_faults(ledger, STACK)
        assert report.errors == []
        assert sorted(report.expired + report.closed) == sorted(e.fault_id for e in entries)
        assert ledger.open_faults() == []


def test_the_ledger_alone_rolls_back_toxics_also_one_never_recorded_as_applied(
    slogate: Slogate, tmp_path: Path
) -> None:
    with hookless_stack(slogate, tmp_path) as state:
        url = fault_proxy_url(state)
        ids = inject_latency(mean_ms=200, stddev_ms=50, ttl_s=60, configuration=configuration())
        errors = inject_errors(ratio=0.5, ttl_s=60, configuration=configuration())
        assert len(ids) == len(errors) == 3
        found = toxics(state)
        assert sorted(t["type"] for t in found["replica-1"]) == ["latency", "reset_peer"]
        latency = next(t for t in found["replica-1"] if t["type"] == "latency")
        assert latency["attributes"] == {"latency": 200, "jitter": 50}
        assert latency["stream"] == "downstream"
        reset = next(t for t in found["replica-1"] if t["type"] == "reset_peer")
        assert (reset["toxicity"], reset["stream"]) == (0.5, "upstream")
        status = slogate.cli("status", "--stack", STACK)
        assert status.exit_code == 0, status.stdout
        toxiproxy_row = next(line for line in status.stdout.splitlines() if "toxiproxy" in line)
        assert "ready=yes" in toxiproxy_row, status.stdout
        assert status.stdout.count("latency toxic (slogate-") == 3
        doctor = slogate.cli("doctor")
        assert f"toxiproxy-server {toxiproxy.VERSION}" in doctor.stdout, doctor.stdout
        # a writer that died between applying a toxic and recording it: only its intent is there
        ledger = FaultLedger(STACK)
        name = toxiproxy.expiring_name(time.time() + 60)
        rollback = Rollback(via="toxiproxy", url=url, detail={"proxy": "replica-2", "toxic": name})
        ledger.record(
            FaultEvent.INTENT, run_id="dead-writer", fault_id="deadbeef0001", kind="latency",
            target="replica-2", ttl_s=60, rollback=rollback,
        )  # fmt: skip
        toxic = {"type": "latency", "stream": "downstream", "toxicity": 1.0}
        toxiproxy.add_toxic(url, "replica-2", name, {**toxic, "attributes": {"latency": 900}})
        assert len(ledger.open_faults()) == 7
        report = roll_back_faults(ledger, STACK)  # what `slogate down` and the sweep call
        assert report.errors == []
        assert len(report.closed) == 7
        assert toxics(state) == {f"replica-{i}": [] for i in range(3)}
        assert ledger.open_faults() == []
        again = roll_back_faults(ledger, STACK)  # idempotent
        assert (again.closed, again.errors) == ([], [])


def _edge_counter(state: StackState, metric: str) -> float:
    port = state.part("edge").extra["metrics_port"]
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith(metric + "{") and 'proxy="service"' in line
    )


def test_a_partitioned_replica_is_routed_around_and_back_at_its_ttl(
    slogate: Slogate, tmp_path: Path
) -> None:
    with hookless_stack(slogate, tmp_path) as state:
        before = _edge_counter(state, "haproxy_backend_redispatch_warnings_total")
        ttl_s = 6
        assert partition_replicas(count=1, ttl_s=ttl_s, configuration=configuration()) == [
            "replica-0"
        ]
        (fault,) = httpx.get(f"{state.supervisor_url}/status", timeout=5).json()["faults"]
        proxies = toxiproxy.proxies(fault_proxy_url(state))
        assert [name for name, p in proxies.items() if not p["enabled"]] == ["replica-0"]
        answers = [httpx.get(f"{state.edge_url}/api/hello", timeout=5) for _ in range(15)]
        assert time.time() < fault["expires_at"], "the requests outlasted the partition"
        assert {a.status_code for a in answers} == {200}
        assert {a.json()["replica"] for a in answers} == {"1", "2"}
        assert _edge_counter(state, "haproxy_backend_redispatch_warnings_total") > before
        # the checks bypass the proxy: the edge never marked the replica DOWN
        assert edge_status(state)["replica-0"] == "UP"
        # the supervisor ends the partition at its TTL
        wait_until(
            lambda: toxiproxy.proxies(fault_proxy_url(state))["replica-0"]["enabled"],
            timeout=10, what="replica-0's proxy enabled again",
        )  # fmt: skip

        def replica_0_answers() -> bool:
            return httpx.get(f"{state.edge_url}/api/hello", timeout=5).json()["replica"] == "0"

        wait_until(replica_0_answers, timeout=5, what="replica-0 serving again")
        supervisor = httpx.get(f"{state.supervisor_url}/status", timeout=5).json()
        assert supervisor["faults"] == []
        applied = FaultLedger(STACK).entries()[-1]
        assert applied.kind == "replica_partition"
        assert applied.rollback is not None and applied.rollback.via == "supervisor_fault"

"""A latency gate on a service with no fault hooks, faults injected through Toxiproxy.

The service (tests/support/hookless_service.py) has no /admin routes and knows nothing of
slogate; its project folder gives slogate only `faults: toxiproxy`, the service's start
command, a one-action locustfile through the public `slogate.locust` API, an SLO file and an
experiment that adds 300 ms of latency with `inject_latency`. Everything is real: uvicorn
replicas, HAProxy, Prometheus, Redis, toxiproxy-server, Locust, Chaos Toolkit.

One gate run shows both sides: the same objective (client p95 under 100 ms) PASSes before the
fault and FAILs while the toxic is in force; the run exits 1. (Recovery is not judged: on
this shared 2-core machine the client's p99 jumped to 230 ms for a few seconds well after the
rollback while other suites ran, which would make the test about the machine.) The
replicas' own histogram never sees the proxy's delay, so the server-side p95 PASSes
throughout: latency injected in front of a service is judged at the client.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.gate.conftest import Project
from tests.support.cli import REPO
from tests.support.experiments import CLEAR_FAULTS, experiment, slogate_action

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("toxiproxy-gate")]

LOCUSTFILE = """\
from slogate.locust import Action, PreparedRequest, open_model_user

ACTIONS = [Action("GET", "/api/hello", 1, lambda rng: PreparedRequest("/api/hello"))]
OpenModelUser = open_model_user(ACTIONS)
"""
STEADY = {"duration_s": 30, "rate": 50, "arrivals": "uniform", "seed": 1}
PROFILES = {"profiles": {"steady": STEADY}}
SLO = {
    "apiVersion": "slogate.dev/v1",
    "kind": "SLO",
    "metadata": {"name": "hookless"},
    "spec": {
        "service": "hookless",
        "objectives": [
            {
                "name": "p95-under-100ms",
                "sli": "latency",
                "threshold": 0.1,
                "target": 0.95,
                "measured_at": ["server", "client"],
            },
            {
                "name": "error-rate-under-1pct",
                "sli": "availability",
                "target": 0.99,
                "measured_at": ["server", "client"],
            },
        ],
    },
}
EXPERIMENT = experiment(
    "toxic-latency",
    "300 ms added in front of every replica by Toxiproxy",
    [slogate_action("delay-every-replica", "inject_latency", 8, fixed_ms=300, ttl_s=20)],
    rollbacks=[CLEAR_FAULTS],
)
GATE = {
    "description": "client p95 under 100 ms before, during and after 300 ms of proxy latency",
    "load": {"profile": "steady", "rate": 50, "duration_s": 26},
    "warmup_s": 3,
    "slo": "slo/hookless.yaml",
    "seed": False,
    "experiments": [{"experiment": "toxic-latency", "at_s": 10, "fault_s": 8}],
    "recovery_s": 8,
    "objectives": {
        "baseline": ["p95-under-100ms", "error-rate-under-1pct"],
        "fault": ["p95-under-100ms"],
    },
}
SERVICE = {
    "command": [
        "{python}", "-m", "uvicorn", "tests.support.hookless_service:app",
        "--host", "{host}", "--port", "{port}", "--no-access-log", "--log-level", "warning",
    ],
    "working_dir": str(REPO),
    "env": {"PYTHONPATH": str(REPO)},
    "port_env": None, "host_env": None, "redis_url_env": None,
    "replica_env": "HOOKLESS_REPLICA", "admin_enabled_env": None, "admin_token_env": None,
}  # fmt: skip


def _project(tmp_path: Path) -> Project:
    folder = tmp_path / "project"
    for name in ("loadtests", "experiments", "slo"):
        (folder / name).mkdir(parents=True)
    (folder / "loadtests" / "locustfile.py").write_text(LOCUSTFILE)
    (folder / "loadtests" / "profiles.yaml").write_text(yaml.safe_dump(PROFILES))
    (folder / "slo" / "hookless.yaml").write_text(yaml.safe_dump(SLO, sort_keys=False))
    (folder / "experiments" / "toxic-latency.yaml").write_text(yaml.safe_dump(EXPERIMENT))
    config = {"faults": "toxiproxy", "service": SERVICE, "gates": {"toxic-latency": GATE}}
    (folder / "slogate.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return Project(folder, tmp_path / "home", tmp_path / "reports")


def _verdicts(report: dict[str, Any]) -> dict[tuple[str, str, str], str]:
    return {
        (phase["phase"], r["objective"], r["place"]): r["verdict"]
        for phase in report["phases"]
        for r in phase["results"]
        if r["gating"]
    }


def test_a_toxiproxy_latency_gate_fails_the_hookless_service_only_while_injected(
    tmp_path: Path,
) -> None:
    project = _project(tmp_path)
    done = project.run("toxic-latency")
    assert done.returncode == 1, done.stdout
    report = project.report()
    verdicts = _verdicts(report)
    fault = "fault:toxic-latency"
    assert verdicts[("baseline", "p95-under-100ms", "client")] == "PASS", done.stdout
    assert verdicts[("baseline", "error-rate-under-1pct", "client")] == "PASS", done.stdout
    assert verdicts[(fault, "p95-under-100ms", "client")] == "FAIL", done.stdout
    # the replicas never saw the delay: it was added in front of them
    assert verdicts[(fault, "p95-under-100ms", "server")] == "PASS", done.stdout
    (folder,) = [p for p in project.reports.iterdir() if (p / "report.json").exists()]
    ledger = [json.loads(line) for line in (folder / "ledger.jsonl").read_text().splitlines()]
    applied = [e for e in ledger if e["event"] == "applied"]
    assert {e["target"] for e in applied} == {"replica-0", "replica-1", "replica-2"}
    assert {e["rollback"]["via"] for e in applied} == {"toxiproxy"}
    closed = {e["fault_id"] for e in ledger if e["event"] in ("rolled_back", "expired")}
    assert closed == {e["fault_id"] for e in applied}

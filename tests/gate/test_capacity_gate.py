"""The capacity gate's shape FAILs a service that cannot hold its rate and PASSes the reference.

The shipped `capacity` gate offers 525 req/s for the claimed 500 and judges every seed SLO in
its baseline. The test suite runs on 2 shared cores next to other tests, where 525 req/s
saturates the load generator (measured: from about 520 req/s at a load average of 4.5), so
this test runs the same gate shape at a fifth of the rate: the baseline profile offering 5 %
above a claimed 100 req/s, the same SLO file with `min_rps: 100`, every seed objective judged
in the baseline, event-loop lag not gating. Two differences, both stated: the pre-flight's
`detect: 3x` is left out (3,600 requests cannot detect 3x on p99; the shipped gate's 18,000
can), and start-up is judged but not gating here: it measures how fast three replicas start
next to Redis, HAProxy and Prometheus on a busy machine, not the rate (4.05 s at a load
average of 7.3 while other suites ran, 1.9-2.4 s at 4-6), and no weakening here touches it.

The weakened service is the reference target with a concurrency cap built in
(tests/support/capped_target.py): one API request at a time per replica, held 40 ms, so at
most 75 req/s over three replicas; the rest queue. Both stacks are real (Redis, three
replicas, HAProxy, Prometheus, Locust).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.gate.conftest import Project, project_with
from tests.support.cli import REPO

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("capacity-gate")]

CLAIMED_RPS = 100
SCRAPE_S = 1.0  # the local stack's scrape interval
GATE = {
    "description": "The capacity gate's shape at a fifth of its rate.",
    "load": {"profile": "baseline", "rate": CLAIMED_RPS * 1.05, "duration_s": 40},
    "warmup_s": 5,
    "slo": "slo-capacity.yaml",
    "objectives": {
        "baseline": [
            "availability", "p95-under-500ms", "p99-under-1s", "throughput-500rps",
            "startup-under-3s", "event-loop-lag-under-50ms",
        ]
    },
}  # fmt: skip
CAPPED_SERVICE = {
    "command": ["{python}", "-m", "tests.support.capped_target"],
    "env": {"PYTHONPATH": str(REPO), "TARGET_LOG_LEVEL": "warning"},
    "seed_command": ["{python}", "-m", "target_service", "seed", "--organisations", "20"],
}


def _project(tmp_path: Path, service: dict[str, Any] | None = None) -> Project:
    project = project_with(tmp_path, {"capacity": GATE})
    shipped = (REPO / "slo" / "target-service.yaml").read_text()
    assert "min_rps: 500" in shipped
    startup = "      threshold: 3\n      measured_at: [server]\n"
    assert startup in shipped
    (project.folder / "slo-capacity.yaml").write_text(
        shipped.replace("min_rps: 500", f"min_rps: {CLAIMED_RPS}").replace(
            startup, startup + "      gating: false\n"
        )
    )
    if service is not None:
        config = yaml.safe_load((project.folder / "slogate.yaml").read_text())
        config["service"] = service
        (project.folder / "slogate.yaml").write_text(yaml.safe_dump(config))
    return project


def _verdicts(report: dict[str, Any]) -> dict[tuple[str, str], tuple[str, bool, str]]:
    return {
        (r["objective"], r["place"]): (r["verdict"], r["gating"], r["reason"])
        for phase in report["phases"]
        for r in phase["results"]
    }


def test_the_capacity_gate_passes_the_reference_target(tmp_path: Path) -> None:
    project = _project(tmp_path)
    done = project.run("capacity")
    assert done.returncode == 0, done.stdout
    report = project.report()
    verdicts = _verdicts(report)
    gating = {key: v for key, v in verdicts.items() if v[1]}
    assert {objective for objective, _ in gating} == {
        "availability", "p95-under-500ms", "p99-under-1s", "throughput-500rps",
    }  # fmt: skip
    assert all(verdict == "PASS" for verdict, _, _ in gating.values()), done.stdout
    for reported in ("event-loop-lag-under-50ms", "startup-under-3s"):
        assert not verdicts[(reported, "server")][1]
    reason = verdicts[("throughput-500rps", "server")][2]
    rate = float(reason.split(" req/s")[0].replace(",", ""))
    judged_s = float(reason.split("over the ")[1].split(" s the load ran")[0])
    assert abs(judged_s - (40 - 5)) < 1.5, reason  # warm-up end to the load's last answer
    # at least the claim (idle seconds in the divisor would put it below: 438 for 498.6 once),
    # at most the offered rate plus what counting can add: the counters' deltas may hold a
    # scrape (1 s) of requests beyond the judged seconds, and the Poisson arrivals put about
    # 1.7 % (one standard deviation at 3,700 requests) more or fewer into any 35 s (105.4 once)
    ceiling = CLAIMED_RPS * 1.05 * (judged_s + SCRAPE_S) / judged_s * (1 + 2 * 0.017)
    assert CLAIMED_RPS <= rate <= ceiling, reason
    baseline = report["phases"][0]["window"]
    # the phase runs on while the generator's metrics linger for their last scrapes: idle
    # seconds that the throughput verdict leaves out
    assert baseline["end"] - baseline["start"] > judged_s


def test_the_capacity_gate_fails_a_service_that_cannot_hold_the_rate(tmp_path: Path) -> None:
    project = _project(tmp_path, CAPPED_SERVICE)
    done = project.run("capacity")
    assert done.returncode == 1, done.stdout
    verdicts = _verdicts(project.report())
    verdict, gating, reason = verdicts[("throughput-500rps", "server")]
    assert (verdict, gating) == ("FAIL", True), reason
    rate = float(reason.split(" req/s")[0].replace(",", ""))
    assert rate < 80, reason  # three replicas, one 40 ms request at a time each: <= 75 req/s
    assert verdicts[("p95-under-500ms", "client")][0] == "FAIL"

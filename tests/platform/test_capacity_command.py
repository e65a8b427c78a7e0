"""`slogate capacity` on real stacks (Redis, three replicas, HAProxy, Prometheus, Locust): the
reference target holds every rate up to --to; the target with a concurrency cap built in
(tests/support/capped_target.py: at most 75 req/s over three replicas) breaks in between and
the search brackets its capacity below the required rate (exit 1).

Low rates, a coarse precision (30 %: the capped search stops after one bisection, 4 steps) and
a test SLO file with loose objectives (99 % availability needs 299 requests, so a step lasts
8-9 s) keep the searches under a minute each on 2 shared cores; the shipped objectives would
make each step 36 s at 100 req/s."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.platform.conftest import REPO, Slogate, write_config
from tests.platform.test_stack import up

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("capacity-command")]

SLO = """\
apiVersion: slogate.dev/v1
kind: SLO
metadata: {name: capacity-test}
spec:
  service: target_service
  objectives:
    - {name: error-rate-under-1pct, sli: availability, target: 0.99, measured_at: [server, client]}
    - {name: p95-under-500ms, sli: latency, threshold: 0.5, target: 0.95,
       measured_at: [server, client]}
    - {name: throughput-100rps, sli: throughput, min_rps: 100, measured_at: [server]}
"""


def _search(
    slogate: Slogate, tmp_path: Path, service: dict[str, Any], start: int
) -> tuple[int, str, dict[str, Any]]:
    env = {"TARGET_LOG_LEVEL": "warning", "SLOGATE_TEST_MARK": str(tmp_path),
           "PYTHONPATH": str(REPO)}  # fmt: skip
    write_config(tmp_path, {"service": {"working_dir": str(REPO), "env": env, **service}})
    (tmp_path / "slo.yaml").write_text(SLO)
    up(slogate, "capacity")
    done = slogate.process(
        "capacity", "--stack", "capacity", "--slo", str(tmp_path / "slo.yaml"),
        "--loadtests", str(REPO / "loadtests"), "--reports-dir", str(tmp_path / "reports"),
        "--from", str(start), "--to", "120", "--step-s", "8", "--warmup-s", "2",
        "--precision", "0.3", timeout=600,
    )  # fmt: skip
    [report] = (tmp_path / "reports").glob("capacity-*/capacity.json")
    return done.returncode, done.stdout + done.stderr, json.loads(report.read_text())


def test_the_reference_target_holds_every_rate_up_to_to(slogate: Slogate, tmp_path: Path) -> None:
    code, output, report = _search(slogate, tmp_path, {}, start=60)
    assert code == 0, output
    last = {s["rate"]: s["outcome"] for s in report["steps"]}  # a saturated step runs twice
    assert last == dict.fromkeys([60, 90, 120], "held"), output
    conclusion = report["conclusion"]
    assert (conclusion["capacity"], conclusion["at_least"]) == (120, True)
    assert report["required_rps"] == 100
    assert "capacity: at least 120.0 req/s (required 100)" in output
    assert "<- capacity (at least)" in output


def test_a_capped_target_breaks_below_the_required_rate(slogate: Slogate, tmp_path: Path) -> None:
    capped = {
        "command": ["{python}", "-m", "tests.support.capped_target"],
        "seed_command": ["{python}", "-m", "target_service", "seed", "--organisations", "20"],
    }
    code, output, report = _search(slogate, tmp_path, capped, start=40)
    assert code == 1, output
    conclusion = report["conclusion"]
    assert conclusion["capacity"] is not None and 40 <= conclusion["capacity"] < 90, output
    assert not conclusion["at_least"] and conclusion["broke_first"], output
    broken = [s for s in report["steps"] if s["outcome"] == "broke"]
    assert broken and min(s["rate"] for s in broken) <= 90
    assert "<- broke: " in output and "<- capacity" in output
    [junit] = (tmp_path / "reports").glob("capacity-*/junit.xml")
    assert '<failure message="capacity ' in junit.read_text()

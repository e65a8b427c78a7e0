"""`slogate capacity GATE` on real stacks it brings up itself (Redis, the gate's replicas,
HAProxy, Prometheus, Locust) from the gate's settings, and always tears down.

- The reference target and a CPU-heavy copy (tests/support/cpu_heavy_target.py: every API
  request first burns CPU_BURN_MS of CPU in a busy loop) are searched side by side, at the
  same time on the same machine, with the same gate and options: the heavy one's capacity
  is clearly lower.
- A search whose required rate is far above what one local Locust process can offer exits 3,
  saying the load generator saturated.
- Ctrl-C mid-search: the stack is torn down, the steps so far are kept, exit 130.

A test SLO file with loose objectives (95 % availability and 95 % of requests within 250 ms
need 59 requests each, so a step lasts 4 s) and one replica keep each search within about a
minute on 2 shared cores."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import psutil
import pytest
import yaml

from tests.gate.conftest import Project, project_with, stop
from tests.support.cli import REPO, slogate
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("capacity-of-a-gate")]

SLO = """\
apiVersion: slogate.dev/v1
kind: SLO
metadata: {name: capacity-probe}
spec:
  service: target_service
  objectives:
    - {name: availability-95, sli: availability, target: 0.95, measured_at: [server, client]}
    - {name: p95-under-250ms, sli: latency, threshold: 0.25, target: 0.95,
       measured_at: [server, client]}
    - {name: throughput-20rps, sli: throughput, min_rps: 20, measured_at: [server]}
"""
GATE = {
    "description": "Capacity probe: one replica, loose objectives, short steps.",
    "load": {"profile": "baseline", "rate": 20, "duration_s": 10},
    "replicas": 1,
    "warmup_s": 1,
    "slo": "slo-probe.yaml",
    "objectives": {"baseline": ["availability-95", "p95-under-250ms", "throughput-20rps"]},
}
# each /api/ request of the heavy copy burns this much CPU first; the reference's own CPU per
# request measured 1.35 ms (one replica, 150 req/s): the heavy copy costs about 30 times as
# much, so that even on a quiet machine (one core for the replica: at most ~25 req/s) it
# breaks at the first step's 22.5 req/s or just above, far below the highest rate tried,
# which the reference holds (with 20 ms its p95 sat near the 250 ms threshold at 22.5 req/s
# and a fresh-clone run ended inconclusive there, twice, instead of broken)
HEAVY_SERVICE = {
    "command": ["{python}", "-m", "tests.support.cpu_heavy_target"],
    "working_dir": str(REPO),
    "env": {"TARGET_LOG_LEVEL": "warning", "PYTHONPATH": str(REPO), "CPU_BURN_MS": "40"},
    "seed_command": ["{python}", "-m", "target_service", "seed", "--organisations", "20"],
}
SEARCH = ["--from", "22.5", "--to", "75.9375", "--step-s", "4", "--precision", "0.25"]  # 4 steps up


def _project(tmp_path: Path, service: dict[str, Any] | None = None) -> Project:
    tmp_path.mkdir(parents=True, exist_ok=True)
    project = project_with(tmp_path, {"probe": GATE})
    (project.folder / "slo-probe.yaml").write_text(SLO)
    if service is not None:
        project.serve(service)
    return project


def _start(project: Project, *args: str) -> subprocess.Popen[str]:
    command = slogate(
        "capacity", "probe", "--config", str(project.folder / "slogate.yaml"),
        "--reports-dir", str(project.reports), *args,
    )  # fmt: skip
    return subprocess.Popen(
        command, cwd=project.folder, env=project.env(), text=True, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def _finish(process: subprocess.Popen[str], timeout: float = 240) -> str:
    try:
        output, _ = process.communicate(timeout=timeout)
    finally:
        stop(process)
    return output


def _results(project: Project) -> tuple[Path, dict[str, Any]]:
    [folder] = project.reports.glob("capacity-*")
    return folder, json.loads((folder / "capacity.json").read_text())


def _assert_torn_down(project: Project, folder: Path) -> None:
    """No process of the project's stacks left, no stack folder, the stack's logs kept."""
    leftovers = [
        p for p in psutil.process_iter(["cmdline"])
        if str(project.home) in " ".join(p.info["cmdline"] or [])
    ]  # fmt: skip
    assert leftovers == []
    stacks = project.home / "stacks"
    assert not stacks.exists() or list(stacks.iterdir()) == []
    assert (folder / "stack-logs").is_dir()


def test_a_cpu_heavy_target_has_a_lower_capacity_than_the_reference(tmp_path: Path) -> None:
    reference = _project(tmp_path / "reference")
    heavy = _project(tmp_path / "heavy", HEAVY_SERVICE)
    running = [_start(reference, *SEARCH), _start(heavy, *SEARCH)]
    outputs = [_finish(process) for process in running]
    (ref_folder, ref), (heavy_folder, weak) = _results(reference), _results(heavy)
    assert running[0].returncode == 0, outputs[0]
    assert "stack capacity-" in outputs[0] and "ready after" in outputs[0]
    assert "capacity: " in outputs[1]
    ref_capacity, heavy_capacity = ref["capacity_rps"], weak["capacity_rps"]
    assert ref_capacity is not None and ref_capacity >= 50, outputs[0]
    assert weak["conclusion"]["broke_first"], outputs[1]  # a share objective broke, ...
    # ... well below the reference's capacity (measured: see the report in benchmarks/README)
    assert heavy_capacity is None or heavy_capacity <= 0.75 * ref_capacity, outputs
    for folder, project in ((ref_folder, reference), (heavy_folder, heavy)):
        for name in ("capacity.html", "junit.xml", "summary.md"):
            assert (folder / name).stat().st_size > 0
        _assert_torn_down(project, folder)


def test_a_generator_bound_search_exits_3_saying_so(tmp_path: Path) -> None:
    """The gate's load is GETs that the edge denies itself (tests/gate/edge_only_loadtests/),
    so the stack answers far faster than one Locust process can ask for 4,500 a second
    (measured beside the stack: about 2,800 a second at a load average of 5, 940 at 10; a
    step of 22,500 requests then lasts 8-25 s, within the load's time limit): the generator,
    not the target, is the limit. The edge's answers are not API requests, so the client's
    objectives have no data: a saturated step says nothing about them."""
    project = _project(tmp_path)
    (project.folder / "loadtests").unlink()
    (project.folder / "loadtests").symlink_to(REPO / "tests" / "gate" / "edge_only_loadtests")
    client_only = SLO.replace("[server, client]", "[client]")
    (project.folder / "slo-probe.yaml").write_text(client_only)
    config = yaml.safe_load((project.folder / "slogate.yaml").read_text())
    config["gates"]["probe"]["load"]["profile"] = "edge-only"
    (project.folder / "slogate.yaml").write_text(yaml.safe_dump(config))
    process = _start(
        project, "--from", "4500", "--to", "4500", "--require", "4500", "--step-s", "4"
    )
    output = _finish(process)
    assert process.returncode == 3, output
    assert "the load generator saturated at 4500 req/s" in output
    folder, document = _results(project)
    assert [s["outcome"] for s in document["steps"]] == ["saturated", "saturated"], output
    assert all(s["error_ratio"] == 0 for s in document["steps"]), output
    assert document["conclusion"]["exit_code"] == 3
    junit = (folder / "junit.xml").read_text()
    assert '<error message="capacity none (required 4500); the load generator saturated' in junit
    _assert_torn_down(project, folder)


def test_ctrl_c_tears_the_stack_down_keeps_the_steps_and_exits_130(tmp_path: Path) -> None:
    project = _project(tmp_path)
    process = _start(project, "--from", "20", "--to", "20", "--step-s", "30")
    try:
        status = wait_until(
            lambda: next(iter(project.reports.glob("capacity-*/step-01-*/status.json")), None),
            120, 0.1, "the first step's load running",
        )  # fmt: skip
        os.killpg(process.pid, signal.SIGINT)
    finally:
        output = _finish(process, timeout=120)
    assert process.returncode == 130, output
    folder = status.parents[1]
    assert (folder / "step-01-20rps" / "summary.json").exists()  # the partial step kept
    _assert_torn_down(project, folder)
    # the gate's stack: its `replicas: 1` over the service's 3, seeded like a gate's
    logs = sorted(p.name for p in (folder / "stack-logs").glob("replica-*.log"))
    assert logs == ["replica-0.log"]
    assert (folder / "seed.log").exists()

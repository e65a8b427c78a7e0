"""`slogate run` end to end on real stacks (Redis, replicas, HAProxy, Prometheus, Locust,
Chaos Toolkit): verdicts, exit codes, interruption and pre-flight refusal."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from typing import Any

import httpx
import psutil
import pytest

from slogate.chaos.ledger import FaultLedger
from slogate.gate.eta import DEFAULT_ESTIMATES
from slogate.platform.state import StackState
from tests.gate.conftest import Project, stop
from tests.support.cli import slogate_home
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow


def _results(report: dict[str, object], gating: bool = True) -> list[tuple[str, str, str, str]]:
    """(phase, objective, place, verdict) of the gating results (or of the reported ones)."""
    return [
        (phase["phase"], r["objective"], r["place"], r["verdict"])
        for phase in report["phases"]  # type: ignore[attr-defined]
        for r in phase["results"]
        if r["gating"] is gating
    ]


def test_smoke_passes_on_the_reference_target(project: Project) -> None:
    done = project.run("quick-smoke")
    assert done.returncode == 0, done.stdout
    report = project.report()
    assert report["status"] == "complete" and report["exit_code"] == 0
    results = _results(report)
    assert {(p, o, pl) for p, o, pl, _ in results} == {
        ("baseline", o, pl)
        for o in ("error-rate-under-1pct", "p95-under-500ms")
        for pl in ("server", "client")
    }
    assert all(verdict == "PASS" for *_, verdict in results)
    # what the edge absorbed is reported in every phase, judged only where a gate names it
    assert _results(report, gating=False) == [("baseline", "edge-absorbed-nothing", "edge", "PASS")]
    comparison = report["client_server"][0]
    assert comparison["client_total"] >= 299 and comparison["server_total"] >= 299
    assert "report.html" in done.stdout and "smoke: PASS" in done.stdout
    assert any(series["points"] for series in report["series"])
    # the client's exact (HDR) figures over all routes, and Locust's per route
    latency = report["client_latency"]
    exact = {row["timing"]: row for row in latency if row["source"] == "hdr"}
    assert set(exact) == {"service", "intended"}
    assert exact["intended"]["p95_ms"] >= exact["service"]["p95_ms"] > 0
    routes = [row["route"] for row in latency if row["source"] == "locust"]
    assert "all routes" in routes and any(r.startswith("GET /api/v1/") for r in routes)
    # progress (plain lines: no terminal): every stage with the run's time and the whole run's
    # ETA; the ETA at the start covers the 14 s load and the other stages' default estimates
    # (no earlier run of the gate in this reports folder)
    stages = re.findall(r"^== (\S+)  \(run ([\d.]+) s, ETA (\d+) s\)$", done.stdout, re.M)
    assert [name for name, _, _ in stages] == [
        "pre-flight", "set-up", "warm-up", "baseline", "evaluation", "report", "tear-down",
    ], done.stdout  # fmt: skip
    times, etas = [float(t) for _, t, _ in stages], [int(eta) for *_, eta in stages]
    after_load = sum(DEFAULT_ESTIMATES[s] for s in ("evaluation", "report", "tear-down"))
    assert times == sorted(times) and abs(etas[0] - (sum(DEFAULT_ESTIMATES.values()) + 14)) <= 1
    # from the load on: Locust's start, the load and the rest; then less and less
    assert etas[2] <= DEFAULT_ESTIMATES["load-start"] + 14 + after_load
    assert etas[-3:] == sorted(etas[-3:], reverse=True) and etas[-1] <= after_load
    assert re.search(r"^\[baseline\] .* \(run [\d.]+ s, ETA \d+ s\)$", done.stdout, re.M)
    assert re.search(r"^== done  \(run [\d.]+ s\)$", done.stdout, re.M)


def test_pod_kill_passes_and_measures_recovery(project: Project) -> None:
    done = project.run("quick-pod-kill")
    assert done.returncode == 0, done.stdout
    report = project.report()
    phases = [phase["phase"] for phase in report["phases"]]
    assert phases == ["baseline", "fault:pod-kill", "recovery"]
    assert all(v == "PASS" for *_, v in _results(report))
    # a SIGKILL may cut requests: what the edge absorbed is reported, not required to be 0
    reported = _results(report, gating=False)
    assert [(p, o) for p, o, *_ in reported] == [
        (phase, "edge-absorbed-nothing") for phase in phases
    ]
    assert [f["kind"] for f in report["faults"]] and all(
        f["state"] in ("rolled_back", "expired") for f in report["faults"]
    )
    (recovery,) = report["recoveries"]
    assert recovery["verdict"] == "PASS" and recovery["recovered_at"] is not None
    assert report["journals"][0]["title"] == "pod-kill"
    # the run's own stack folder is gone; its fault history is in the report folder
    assert not list((project.home / "stacks").glob("gate-*"))
    (folder,) = [p for p in project.reports.iterdir() if (p / "report.json").exists()]
    ledger = (folder / "ledger.jsonl").read_text().splitlines()
    events = [json.loads(line)["event"] for line in ledger]
    assert "applied" in events and ({"rolled_back", "expired"} & set(events))
    assert (folder / "stack-logs" / "replica-0.log").exists()


def test_regression_negative_control_fails(project: Project) -> None:
    done = project.run("quick-regression")
    assert done.returncode == 1, done.stdout
    report = project.report()
    fault = next(p for p in report["phases"] if p["phase"] == "fault:latency-regression")
    verdicts = {r["place"]: r["verdict"] for r in fault["results"] if r["gating"]}
    assert verdicts == {"server": "FAIL", "client": "FAIL"}


def _state(project: Project, stack: str) -> StackState | None:
    path = project.home / "stacks" / stack / "state.json"
    try:
        state = StackState.model_validate_json(path.read_text())
    except (OSError, ValueError):
        return None
    return state if state.edge_url else None


def _load_running(project: Project) -> bool:
    return any(project.reports.glob("*/load/status.json"))


def _load_elapsed(project: Project) -> float:
    """Seconds the load has run (quick-smoke: warm-up 3 s, baseline 3-14 s), 0 before."""
    for path in project.reports.glob("*/load/status.json"):
        try:
            return float(json.loads(path.read_text())["elapsed_s"])
        except (OSError, ValueError, KeyError):
            return 0.0
    return 0.0


def _gate_saw_first_samples(project: Project, stack: str) -> bool:
    """The gate has seen a sample from every target (its stack state says so): its load warms
    up while the first scrapes come, so a fault meant for the run's middle waits for them, and
    a Prometheus killed before the gate saw them would be a stack that never became ready."""
    state = _state(project, stack)
    prometheus = next((p for p in state.parts if p.kind == "prometheus"), None) if state else None
    return prometheus is not None and "first_samples_after_s" in prometheus.extra


def _control_headers(project: Project, stack: str) -> dict[str, str]:
    """The stack's admin token, which the supervisor's control API requires."""
    token = (project.home / "stacks" / stack / "admin-token").read_text().strip()
    return {"Authorization": f"Bearer {token}"}


def test_prometheus_killed_mid_run_is_inconclusive(project: Project) -> None:
    process = project.start("quick-smoke", "--stack", "promkill")
    try:
        state = wait_until(lambda: _state(project, "promkill"), 120, 0.2, "stack up")
        wait_until(lambda: _load_running(project), 60, 0.2, "load started")
        wait_until(lambda: _gate_saw_first_samples(project, "promkill"), 60, 0.1, "samples")
        body = {"part": "prometheus", "action": "kill", "ttl_s": 600}
        headers = _control_headers(project, "promkill")
        response = httpx.post(
            f"{state.supervisor_url}/faults", json=body, headers=headers, timeout=10
        )
        assert response.status_code in (200, 201), response.text
        output, _ = process.communicate(timeout=240)
    finally:
        stop(process)
    assert process.returncode == 3, output
    report = project.report()
    assert report["exit_code"] == 3
    assert all(v == "INCONCLUSIVE" for *_, v in _results(report))
    assert "PASS" not in output.splitlines()[-2]


def _kill_mid_baseline(project: Project, stack: str, part: str, ttl_s: float) -> None:
    """Once the load runs, SIGKILL `part` through the supervisor (no ledger entry: no fault of
    the gate's explains it); the supervisor restarts it after `ttl_s`."""
    state = wait_until(lambda: _state(project, stack), 120, 0.2, "stack up")
    wait_until(lambda: _gate_saw_first_samples(project, stack), 60, 0.1, "first samples")
    wait_until(lambda: _load_elapsed(project) >= 5.0, 90, 0.1, "load 2 s into its baseline")
    body = {"part": part, "action": "kill", "ttl_s": ttl_s}
    headers = _control_headers(project, stack)
    response = httpx.post(f"{state.supervisor_url}/faults", json=body, headers=headers, timeout=10)
    assert response.status_code in (200, 201), response.text


def _inconclusive_smoke_killing(project: Project, stack: str, part: str) -> dict[str, Any]:
    """`quick-smoke` with `part` killed (restarted 1 s later) mid-baseline: exit 3, its report."""
    process = project.start("quick-smoke", "--stack", stack)
    try:
        _kill_mid_baseline(project, stack, part, 1.0)
        output, _ = process.communicate(timeout=240)
    finally:
        stop(process)
    assert process.returncode == 3, output
    return project.report()


def test_prometheus_restarted_mid_run_leaves_a_hole_not_a_pass(project: Project) -> None:
    """Prometheus SIGKILLed and restarted on the same data folder: the run's counts look
    plausible, but every target went unscraped at once; no PASS may rest on that window."""
    report = _inconclusive_smoke_killing(project, "promrestart", "prometheus")
    assert {v for *_, v in _results(report)} == {"INCONCLUSIVE"}
    hole = next(n for n in report["notes"] if "Prometheus was gone" in n)
    assert hole.startswith("evidence hole: baseline: prometheus (all) no samples from any target")


def test_a_replica_restarted_outside_any_fault_leaves_a_hole(project: Project) -> None:
    """A replica that died and came back with no fault in the ledger: the server's verdicts
    are INCONCLUSIVE, and the note names the replica (the client's stand: the edge retried)."""
    report = _inconclusive_smoke_killing(project, "replicarestart", "replica-1")
    verdicts = {(place, v) for _, _, place, v in _results(report)}
    assert ("server", "INCONCLUSIVE") in verdicts and ("server", "PASS") not in verdicts
    notes = [n for n in report["notes"] if n.startswith("evidence hole: baseline: replica-1")]
    assert any("restarted" in n for n in notes), report["notes"]


def _applied(project: Project, stack: str) -> bool:
    path = project.home / "stacks" / stack / "ledger.jsonl"
    try:
        return any(json.loads(line)["event"] == "applied" for line in path.read_text().splitlines())
    except (OSError, ValueError):
        return False


def test_ctrl_c_mid_run_leaves_nothing_and_a_partial_report(project: Project) -> None:
    process = project.start("quick-latency-held", "--stack", "ctrlc")
    try:
        state = wait_until(lambda: _state(project, "ctrlc"), 120, 0.2, "stack up")
        pids = [part.process for part in state.parts if part.process is not None]
        wait_until(lambda: _applied(project, "ctrlc"), 90, 0.1, "a fault applied")
        os.killpg(process.pid, signal.SIGINT)
        output, _ = process.communicate(timeout=120)
    finally:
        stop(process)
    assert process.returncode == 130, output
    report = project.report()
    assert report["status"] == "partial" and "interrupted" in report["partial_reason"]
    # judged up to the interruption, while Prometheus was still up
    baseline = next(p for p in report["phases"] if p["phase"] == "baseline")
    verdicts = {r["place"]: r["verdict"] for r in baseline["results"] if r["gating"]}
    assert verdicts == {"server": "PASS", "client": "PASS"}, baseline
    assert report["exit_code"] == 130
    with slogate_home(project.home):
        assert FaultLedger("ctrlc").open_faults() == []
    assert report["faults"] and report["faults"][0]["state"] == "rolled_back"
    assert not any(record.is_running() for record in pids)
    assert not (project.home / "stacks" / "ctrlc" / "state.json").exists()
    leftovers = [
        p
        for p in psutil.process_iter(["cmdline"])
        if str(project.home) in " ".join(p.info["cmdline"] or [])
    ]
    assert leftovers == []


def _ledger_events(project: Project, stack: str) -> list[str]:
    path = project.home / "stacks" / stack / "ledger.jsonl"
    try:
        return [json.loads(line)["event"] for line in path.read_text().splitlines()]
    except (OSError, ValueError):
        return []


def _all_rolled_back(project: Project, stack: str) -> bool:
    """Every fault applied so far has its `rolled_back` entry (by fault id)."""
    path = project.home / "stacks" / stack / "ledger.jsonl"
    try:
        entries = [json.loads(line) for line in path.read_text().splitlines()]
    except (OSError, ValueError):
        return False
    applied = {e["fault_id"] for e in entries if e["event"] == "applied"}
    rolled = {e["fault_id"] for e in entries if e["event"] == "rolled_back"}
    return bool(applied) and applied <= rolled


def _replica_faults(project: Project, state: StackState) -> list[list[object]]:
    """GET /admin/faults of every replica that still answers (the stack may be going down)."""
    token = (project.home / "stacks" / state.stack / "admin-token").read_text().strip()
    answers = []
    for part in state.parts:
        if part.kind != "replica" or part.port is None:
            continue
        try:
            response = httpx.get(
                f"http://127.0.0.1:{part.port}/admin/faults",
                headers={"Authorization": f"Bearer {token}"},
                timeout=2,
            )
        except httpx.HTTPError:
            continue
        assert response.status_code == 200, response.text
        answers.append(response.json())
    return answers


def test_abort_on_breach_stops_the_load_and_rolls_back(project: Project) -> None:
    process = project.start("quick-abort", "--stack", "abort", "--abort-on-breach")
    seen_after_rollback: list[list[object]] = []
    try:
        state = wait_until(lambda: _state(project, "abort"), 120, 0.2, "stack up")
        wait_until(lambda: "applied" in _ledger_events(project, "abort"), 90, 0.05, "fault")
        started = time.monotonic()
        # each replica's fault is rolled back on its own: wait for all of them, not the first
        wait_until(lambda: _all_rolled_back(project, "abort"), 30, 0.02, "every fault rolled back")
        aborted_after = time.monotonic() - started
        seen_after_rollback = _replica_faults(project, state)
        output, _ = process.communicate(timeout=120)
    finally:
        stop(process)
    assert process.returncode == 1, output
    assert aborted_after < 10, "the abort came long after the errors began"
    # the replicas were still up after the rollback, and none of them kept a fault
    assert seen_after_rollback and all(faults == [] for faults in seen_after_rollback)
    report = project.report()
    assert report["status"] == "partial"
    assert report["partial_reason"].startswith("aborted on breach")
    assert any("aborted on breach" in note for note in report["notes"])
    assert "aborted on breach" in output
    assert report["faults"] and all(f["state"] == "rolled_back" for f in report["faults"])
    load = next(span for span in report["timeline"] if span["name"] == "load")
    assert load["end"] - load["start"] < 25  # the planned load is 40 s
    with slogate_home(project.home):
        assert FaultLedger("abort").open_faults() == []


def test_too_small_a_load_is_refused_before_anything_starts(project: Project) -> None:
    started = time.monotonic()
    done = project.run("too-small", timeout=60)
    assert done.returncode == 2, done.stdout
    assert "'availability'" in done.stdout and "req/s" in done.stdout
    assert "--run-anyway" in done.stdout
    assert time.monotonic() - started < 30
    assert not (project.home / "stacks").exists()
    assert not project.reports.exists() or not any(project.reports.iterdir())

"""Gating your own service: someone else's service (tests/support/micrometer_service.py, with
Micrometer's metric names, its own health and metrics paths) passes a gate with content only,
slogate.yaml, an SLO file whose `metrics:` block names its series, and loadtests/README.md's
example locustfile; the same service weakened (every 20th API request a 503) FAILs the same
gate; and an SLO file naming a counter the service does not have makes the report say why the
client and server counts could not be compared. Real stacks: three uvicorn replicas, Redis,
HAProxy, Prometheus, Locust."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.gate.conftest import Project
from tests.support.own_service import METRICS, write_project

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("own-service-gate")]


def _project(tmp_path: Path, env: dict[str, str] | None = None, **slo: Any) -> Project:
    folder = tmp_path / "project"
    write_project(folder, env, **slo)
    return Project(folder, tmp_path / "home", tmp_path / "reports")


def _verdicts(report: dict[str, Any]) -> dict[tuple[str, str], tuple[str, str]]:
    return {
        (r["objective"], r["place"]): (r["verdict"], r["reason"])
        for phase in report["phases"]
        for r in phase["results"]
    }


def test_a_service_with_its_own_metric_names_passes_its_gate(tmp_path: Path) -> None:
    project = _project(tmp_path)
    done = project.run("own-smoke", timeout=240)
    assert done.returncode == 0, done.stdout
    report = project.report()
    verdicts = _verdicts(report)
    assert set(verdicts) == {
        ("availability", "server"), ("availability", "client"), ("availability", "edge"),
        ("p95-under-500ms", "server"), ("p95-under-500ms", "client"),
    }  # fmt: skip
    assert {v for v, _ in verdicts.values()} == {"PASS"}, verdicts
    server = next(
        r for p in report["phases"] for r in p["results"]
        if (r["objective"], r["place"]) == ("availability", "server")
    )  # fmt: skip
    assert any("http_server_requests_seconds_count" in q for q in server["evidence"]["queries"])
    assert server["evidence"]["total"] > 500  # 60 req/s for the 11 s after the warm-up
    (baseline,) = report["client_server"]
    assert baseline["not_compared"] is None
    assert baseline["server_total"] and baseline["client_total"]


def test_the_same_service_weakened_fails_the_same_gate(tmp_path: Path) -> None:
    project = _project(tmp_path, env={"ITEMS_ERROR_EVERY": "20"})
    done = project.run("own-smoke", timeout=240)
    assert done.returncode == 1, done.stdout
    verdict, reason = _verdicts(project.report())[("availability", "server")]
    assert verdict == "FAIL", reason
    counted = re.search(r"([\d,]+) errors of ([\d,]+)", reason)
    assert counted, reason
    errors, total = (int(x.replace(",", "")) for x in counted.groups())
    assert abs(errors / total - 0.05) < 0.01, reason  # every 20th request


def test_the_report_says_why_client_and_server_were_not_compared(tmp_path: Path) -> None:
    wrong = {**METRICS, "requests": "http_server_requests_total"}
    project = _project(tmp_path, metrics=wrong)
    done = project.run("own-smoke", timeout=240)
    assert done.returncode == 3, done.stdout  # the server's availability has no data
    folder = sorted(p for p in project.reports.iterdir() if (p / "report.json").exists())[-1]
    (baseline,) = json.loads((folder / "report.json").read_text())["client_server"]
    why = (
        'the service exposes no request counter http_server_requests_total{source="server"} '
        "(the SLO file's spec.metrics.requests names it)"
    )
    assert baseline["not_compared"] == f"server: {why}"
    assert baseline["server_total"] is None and baseline["client_total"]
    said = f"client and server counts not compared: server: {why}"
    assert said in (folder / "summary.md").read_text()
    assert said in html.unescape((folder / "report.html").read_text())
    assert "server None / None" not in done.stdout and said in done.stdout

"""`slogate dashboard SLO_FILE`: the Grafana dashboard's layout and, on a live local stack
(Redis, two replicas, HAProxy, Prometheus, a few seconds of Locust load), every query of every
panel answered by the stack's Prometheus with data; a misspelt metric and broken PromQL are
caught by the same check (its negative controls)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from slogate.slo.dashboard import Panel, panels
from slogate.slo.spec import load_spec
from tests.load.support import explain, run_load
from tests.support.cli import REPO, run_cli
from tests.support.live_stack import live_stack

SLO = REPO / "slo" / "target-service.yaml"
# Grafana fills $__rate_interval in (at least 4 scrape intervals); the test uses 30 s
RATE_INTERVAL = "30s"
ANSWER_TIMEOUT_S = 45
QUERY_TIMEOUT_S = 10


def problems(prometheus: str, panel_list: list[Panel]) -> list[str]:
    """Every query that errors or returns no series, with its panel and legend."""
    found = []
    for panel in panel_list:
        for legend, expr in panel.queries:
            query = expr.replace("$__rate_interval", RATE_INTERVAL)
            answer = httpx.get(
                f"{prometheus}/api/v1/query", params={"query": query}, timeout=QUERY_TIMEOUT_S
            )
            body = answer.json()
            if body.get("status") != "success":
                found.append(f"{panel.title} / {legend}: error {body.get('error')}: {query}")
            elif not body["data"]["result"]:
                found.append(f"{panel.title} / {legend}: no data: {query}")
    return found


def test_the_command_writes_a_dashboard_with_every_ratio_objective(tmp_path: Path) -> None:
    path = tmp_path / "dash.json"
    result = run_cli("dashboard", str(SLO), "-o", str(path))
    assert result.exit_code == 0, result
    model = json.loads(path.read_text())
    assert model["title"] == "slogate: target-service"
    ids = [panel["id"] for panel in model["panels"]]
    assert len(ids) == len(set(ids))
    titles = [panel["title"] for panel in model["panels"] if panel["type"] == "timeseries"]
    assert f"wrote {path} ({len(titles)} panels" in result.stdout
    for title in ("Request rate by route", "Latency p95 / p99", "Error rate (5xx)",
                  "Requests in flight", "Memory (resident)", "CPU", "Redis operations",
                  "Redis latency p95", "Event-loop lag p99", "Business counts",
                  "Garbage collections"):  # fmt: skip
        assert title in titles
    burn = {t.split(":")[0] for t in titles if "burn rate" in t}
    budget = {t.split(":")[0] for t in titles if "error budget left" in t}
    ratio = {"availability", "error-rate-under-1pct", "p95-under-500ms", "p99-under-1s",
             "event-loop-lag-under-50ms"}  # fmt: skip
    assert burn == budget == ratio  # not throughput, start-up or a count
    legends = {
        target["legendFormat"]
        for panel in model["panels"] if panel["title"].startswith("availability: burn")
        for target in panel["targets"]
    }  # fmt: skip
    assert legends == {f"{p} {w}" for p in ("server", "client", "edge") for w in ("5m", "1h")}
    for panel in model["panels"]:
        if panel["type"] == "timeseries":
            assert panel["datasource"]["uid"] == "${datasource}"


def test_a_missing_slo_file_is_bad_input(tmp_path: Path) -> None:
    result = run_cli("dashboard", str(tmp_path / "nope.yaml"), "-o", str(tmp_path / "d.json"))
    assert result.exit_code == 2, result
    assert "nope.yaml" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_every_panels_query_answers_on_a_live_stack(tmp_path: Path) -> None:
    home = tmp_path / "home"
    service_env = {"TARGET_LOG_LEVEL": "warning", "TARGET_SHUTDOWN_DELAY_S": "0"}
    with live_stack(home, "dashboard", service_env, service={"replicas": 2}) as stack:
        prometheus = stack.state().prometheus_url
        assert prometheus is not None
        run_dir = tmp_path / "run"
        result, _ = run_load(
            run_dir, "smoke", "--stack", "dashboard", "--rate", "30", "--duration", "4", home=home
        )
        assert result.returncode == 0, explain(result, run_dir)
        every = panels(load_spec(SLO))
        deadline = time.monotonic() + ANSWER_TIMEOUT_S
        found = problems(prometheus, every)
        while found and time.monotonic() < deadline:  # until enough scrapes for every rate()
            time.sleep(1)
            found = problems(prometheus, every)
        assert not found, "\n".join(found)
        # the check's negative controls: a misspelt metric, broken PromQL
        broken = [
            Panel("misspelt", "short", [("x", "sum(rate(http_request_total[30s]))")]),
            Panel("syntax", "short", [("y", "sum(rate(http_requests_total[30s])")]),
        ]
        caught = problems(prometheus, broken)
        assert len(caught) == 2
        assert caught[0].startswith("misspelt / x: no data")
        assert caught[1].startswith("syntax / y: error") and "parse error" in caught[1]

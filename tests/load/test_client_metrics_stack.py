"""Through `slogate up`: client metrics reach the stack's Prometheus and agree with the server.

Tolerance: after the load stops and two more scrapes of the server, its API request count equals
the client's within max(3 requests, 0.5 %). The client's count includes the locustfile's two
discovery requests (it lists organisations and clinics once per Locust process, outside the
schedule), so it is the summary's completions plus 2.
"""

from __future__ import annotations

import httpx
import pytest

from slogate.load.tally import BUCKETS
from tests.load.support import explain, run_load
from tests.support.live_stack import live_stack
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("load-stack")]
STACK = "loadtest"
DISCOVERY_REQUESTS = 2


def _query(prometheus: str, promql: str) -> float | None:
    answer = httpx.get(f"{prometheus}/api/v1/query", params={"query": promql}, timeout=10)
    answer.raise_for_status()
    result = answer.json()["data"]["result"]
    return float(result[0]["value"][1]) if result else None


def _sample_time(prometheus: str, promql: str) -> float:
    answer = httpx.get(f"{prometheus}/api/v1/query", params={"query": promql}, timeout=10)
    result = answer.json()["data"]["result"]
    return float(result[0]["value"][0]) if result else 0.0


def test_client_metrics_agree_with_the_server_in_prometheus(tmp_path):
    home = tmp_path / "home"
    service_env = {"TARGET_LOG_LEVEL": "warning", "TARGET_SHUTDOWN_DELAY_S": "0"}
    with live_stack(home, STACK, service_env, service={"replicas": 2}, seed=()) as stack:
        state = stack.state()
        prometheus = state.prometheus_url
        assert prometheus is not None

        run_dir = tmp_path / "run"
        result, summary = run_load(
            run_dir, "smoke", "--stack", STACK, "--rate", "50", "--duration", "5", home=home
        )
        assert result.returncode == 0, explain(result, run_dir)
        assert summary is not None and summary["completed"] == 250
        api = 'route=~"/api/.*"'
        client = _query(
            prometheus, f'sum(max_over_time(http_requests_total{{job="client",{api}}}[5m]))'
        )
        # the endpoint stayed up until a scrape read the final values: exact on the client
        assert client == summary["completed"] + DISCOVERY_REQUESTS
        tolerance = max(3, 0.005 * client)
        server_query = f'sum(http_requests_total{{job="service",{api}}})'
        # two more scrapes of the server after the load: its sample must be newer than the end
        load_ended = (run_dir / "tally.json").stat().st_mtime
        wait_until(
            lambda: (
                _sample_time(prometheus, server_query) > load_ended + 2 * state.scrape_interval_s
            ),
            timeout=30,
            what="two server scrapes after the load",
        )
        server = _query(prometheus, server_query)
        assert server is not None
        assert abs(server - client) <= tolerance, (client, server)
        # labelled like the server's, source="client", same buckets, both timings
        # (the load generator has exited: its series are stale now, so query over a range)
        source = _query(
            prometheus, 'count(max_over_time(request_starts_total{source="client"}[5m]))'
        )
        assert source == 1
        starts = _query(prometheus, "max_over_time(request_starts_total[5m])")
        assert starts == summary["starts"]
        le = _query(
            prometheus,
            'count(count by (le) (max_over_time(http_request_duration_seconds_bucket{job="client",'
            'timing="intended"}[5m])))',
        )
        assert le == len(BUCKETS) + 1
        transport = _query(
            prometheus,
            'count(max_over_time(http_requests_total{job="client",status_class="transport"}[5m]))',
        )
        assert transport is not None and transport >= 7  # pre-initialised for every route
    assert stack.down is not None and stack.down.exit_code == 0, stack.down

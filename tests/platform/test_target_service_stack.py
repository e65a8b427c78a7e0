"""The default service, target_service, on the local stack: routed by the edge, scraped by
Prometheus with replica labels, admin API on behind the stack's token and blocked at the edge,
restarted by the supervisor after a SIGKILL."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import httpx
import pytest

from tests.platform.conftest import REPO, Slogate, write_config
from tests.platform.test_stack import assert_nothing_left, edge_view, prometheus_value, up
from tests.platform.test_stack_access import raw_get
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow


def test_target_service_behind_the_edge(slogate: Slogate, tmp_path: Path) -> None:
    write_config(
        tmp_path,
        {
            "service": {
                "working_dir": str(REPO),
                "replicas": 2,
                "env": {"TARGET_SHUTDOWN_DELAY_S": "0", "SLOGATE_TEST_MARK": str(tmp_path)},
            },
            "timings": {"restart_backoff_base_s": 0.2, "stop_timeout_s": 5},
        },
    )
    state = up(slogate, "target")

    readiness = httpx.get(f"{state.edge_url}/health/readiness", timeout=5)
    assert readiness.status_code == 200
    assert readiness.json()["status"] in ("ok", "degraded")
    listed = httpx.get(f"{state.edge_url}/api/v1/organisations", timeout=5)
    assert listed.status_code == 200, listed.text
    assert httpx.get(f"{state.edge_url}/admin/faults", timeout=5).status_code == 403

    # the admin API is on, on the replicas directly, behind the stack's token
    token = (tmp_path / "home" / "stacks" / "target" / "admin-token").read_text().strip()
    replica = state.part("replica-0")
    assert httpx.get(f"{replica.url}/admin/faults", timeout=5).status_code in (401, 403)
    authorised = httpx.get(
        f"{replica.url}/admin/faults", headers={"Authorization": f"Bearer {token}"}, timeout=5
    )
    assert authorised.status_code == 200, authorised.text
    # the edge denies the hooks however the path is spelled, also to a caller with the token
    for target in ("/%61dmin/faults", "/ADMIN/faults"):
        assert raw_get(state.edge_url or "", target, token)[0] == 403, target

    # Prometheus scrapes every replica with its label, and the edge's exporter
    def scraped() -> bool:
        series = prometheus_value(
            state, 'count(count by (replica) (http_requests_total{job="service",source="server"}))'
        )
        edge = prometheus_value(state, 'haproxy_frontend_http_requests_total{proxy="api"}')
        return series == 2.0 and edge is not None and edge >= 1

    wait_until(scraped, timeout=15, what="service and edge series in Prometheus")  # fmt: skip

    # SIGKILL a replica: restarted, routed to again, one restart counted
    assert replica.process is not None
    os.kill(replica.process.pid, signal.SIGKILL)
    wait_until(
        lambda: prometheus_value(state, 'slogate_restarts_total{part="replica-0"}') == 1.0,
        timeout=20, what="restart counted",
    )  # fmt: skip
    wait_until(lambda: edge_view(state).get("replica-0") == "UP", timeout=20, what="UP again")

    final = slogate.state("target")
    assert final is not None
    assert slogate.cli("down", "--stack", "target").exit_code == 0
    assert_nothing_left(final, slogate, tmp_path)

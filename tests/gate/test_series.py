"""The report's chart lines over a real (backfilled) Prometheus: every line in its order, with
the values the known data holds; none when Prometheus does not answer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from slogate.gate.series import chart_series
from slogate.host.ports import free_port
from slogate.slo.prometheus import PrometheusClient
from tests.slo.known_data import known_prometheus

LINES = [
    (place, metric, stat)
    for place in ("client", "server")
    for metric, stat in [
        ("request_rate", None),
        ("error_ratio", None),
        ("latency", "p50"),
        ("latency", "p95"),
        ("latency", "p99"),
    ]
] + [("edge", "request_rate", None), ("edge", "error_ratio", None)]


@pytest.fixture(scope="module")
def prometheus() -> Iterator[tuple[str, int]]:
    with known_prometheus() as server:
        yield server


@pytest.mark.slow
@pytest.mark.xdist_group("slo-prometheus")
def test_the_chart_lines_hold_the_known_rates(prometheus: tuple[str, int]) -> None:
    url, t0 = prometheus
    with PrometheusClient(url) as client:
        lines = chart_series(client, t0 + 100, t0 + 200)
    assert [(line.place, line.metric.value, line.stat) for line in lines] == LINES
    by_name = {(line.place, line.metric.value, line.stat): line for line in lines}
    for name in LINES:
        if name[1] != "latency":  # the known data has no latency histogram of intended times
            assert len(by_name[name].points) == 101, name  # one a second, both ends included
    # the known data: 50 answers a second at the client and the edge, none of them errors
    for place in ("client", "edge"):
        rates = {round(v or 0, 6) for _, v in by_name[(place, "request_rate", None)].points}
        assert rates == {50.0}, place
        errors = {v for _, v in by_name[(place, "error_ratio", None)].points}
        assert errors == {0.0}, place


def test_no_lines_when_prometheus_does_not_answer() -> None:
    with PrometheusClient(f"http://127.0.0.1:{free_port()}") as client:
        assert chart_series(client, 1000.0, 1100.0) == []

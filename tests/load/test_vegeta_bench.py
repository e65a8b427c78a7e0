"""benchmarks/vegeta_bench.py reads vegeta's report and the target's histogram right.

No vegeta runs here (`make bench` builds and runs it): `recorded/vegeta_report.json` is the
output of `vegeta report -type=json` (v12.13.0) after `vegeta attack -rate=50/1s -duration=2s`
against a local Prometheus' `/-/ready`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from benchmarks.vegeta_bench import ROUTE, route_buckets, server_figures, vegeta_figures
from target_service.core.metrics import ServiceMetrics

REPORT = json.loads((Path(__file__).parent / "recorded" / "vegeta_report.json").read_text())


def test_vegeta_figures_from_its_recorded_report():
    figures = vegeta_figures(REPORT, rate=50, duration_s=2)
    assert figures == {
        "accuracy": 1.0,  # 100 requests of 50/s x 2 s
        "rate": pytest.approx(50.4926, abs=1e-4),
        "p50_ms": pytest.approx(0.591871),  # vegeta writes nanoseconds
        "p95_ms": pytest.approx(0.925436),
        "p99_ms": pytest.approx(10.332316),
        "success": 1,
    }


def test_a_short_attack_shows_as_lower_accuracy():
    report = {**REPORT, "requests": 90, "success": 0.9}
    figures = vegeta_figures(report, rate=50, duration_s=2)
    assert figures["accuracy"] == pytest.approx(0.9)
    assert figures["success"] == 0.9


def test_server_figures_from_the_targets_histogram_between_two_readings():
    """The target's own metrics (its registry, its buckets): only the route's requests count,
    every status summed, and only those between the readings."""
    registry = CollectorRegistry()
    metrics = ServiceMetrics(registry)
    duration = metrics.request_duration
    duration.labels("GET", ROUTE, "2xx").observe(0.5)  # before the first reading
    before = route_buckets(generate_latest(registry).decode())
    for _ in range(90):
        duration.labels("GET", ROUTE, "2xx").observe(0.003)  # in the 0-5 ms bucket
    for _ in range(10):
        duration.labels("GET", ROUTE, "5xx").observe(0.02)  # in the 10-25 ms bucket
    duration.labels("GET", "/health/readiness", "2xx").observe(4.0)  # another route
    figures = server_figures(before, route_buckets(generate_latest(registry).decode()))
    assert figures["count"] == 100
    assert figures["p50_ms"] == pytest.approx(50 / 90 * 5)  # interpolated in [0, 5 ms]
    assert figures["p95_ms"] == pytest.approx(10 + 5 / 10 * 15)  # in [10, 25 ms]

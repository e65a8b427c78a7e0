"""A misnamed status label, an errors regex that cannot match the service's status values, or
declared buckets the service's histogram does not have never PASS: a real Prometheus over
backfilled series shaped like tests/support/micrometer_service.py's (Micrometer's timer
`http_server_requests_seconds{method, uri, status, outcome}`, buckets 0.1, 0.5, 1 s), one
service healthy, one answering every request 503. The reference SLO file
(tests/support/own_service.py's) PASSes the healthy one and FAILs the failing one."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from slogate.slo.evaluate import ObjectiveResult, Window, evaluate_spec
from slogate.slo.prometheus import PrometheusClient
from slogate.slo.spec import validate_spec
from tests.slo.backfill import SeriesData, backfilled_prometheus
from tests.slo.known_data import base_time
from tests.support import micrometer_service
from tests.support.own_service import SLO

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("slo-prometheus")]

RATE = 20  # requests a second, each answered within 0.1 s
WINDOW = (100, 500)  # 400 s: 8,000 requests
SERVICES = {"healthy": ("200", "SUCCESS"), "failing": ("503", "SERVER_ERROR")}


def _data(t0: int, n: int = 600) -> SeriesData:
    data = SeriesData()
    for application, (status, outcome) in SERVICES.items():
        labels = {
            "source": "server", "application": application, "method": "GET",
            "uri": micrometer_service.ROUTES[0], "status": status, "outcome": outcome,
        }  # fmt: skip
        data.histogram(
            "http_server_requests_seconds",
            labels,
            t0,
            list(micrometer_service.BUCKETS),
            lambda i, _le: float(RATE * i),
            n,
        )
    return data


@pytest.fixture(scope="module")
def prometheus() -> Iterator[tuple[str, int]]:
    t0 = base_time()
    with backfilled_prometheus(_data(t0)) as server:
        yield server.url, t0


def _evaluate(
    prometheus: tuple[str, int], application: str, **metrics: Any
) -> dict[str, ObjectiveResult]:
    """The reference SLO file on `application`'s series, its metrics block updated."""
    url, t0 = prometheus
    document = copy.deepcopy(SLO)
    block = document["spec"]["metrics"]
    block.update(metrics)
    block["requests"] += f'{{application="{application}"}}'
    block["duration"] += f'{{application="{application}"}}'
    for objective in document["spec"]["objectives"]:
        objective["measured_at"] = ["server"]
    spec = validate_spec(document, "items.yaml")
    window = Window(start=t0 + WINDOW[0], end=t0 + WINDOW[1])
    with PrometheusClient(url) as client:
        return {r.objective: r for r in evaluate_spec(spec, client, window)}


def test_the_reference_passes_the_healthy_service_and_fails_the_failing_one(prometheus):
    healthy = _evaluate(prometheus, "healthy")
    assert {r.verdict.value for r in healthy.values()} == {"PASS"}, healthy
    assert (healthy["availability"].evidence.total, healthy["availability"].evidence.bad) == (
        8_000,
        0,
    )
    failing = _evaluate(prometheus, "failing")["availability"]
    assert failing.verdict.value == "FAIL", failing.reason
    assert (failing.evidence.total, failing.evidence.bad) == (8_000, 8_000)


# (scenario, spec.metrics changes, words of the reason)
MISCONFIGURED = {
    "errors written as a class, statuses are codes": (
        {"errors": "5xx"},
        'spec.metrics.errors "5xx" matches none of the error values of '
        "spec.metrics.status_label status (observed ['",
    ),
    "a status label the counter does not have": (
        {"status_label": "status_code"},
        "some request series have no status_code label",
    ),
}


@pytest.mark.parametrize("name", sorted(MISCONFIGURED))
@pytest.mark.parametrize("application", sorted(SERVICES))
def test_a_status_selector_that_cannot_see_errors_is_inconclusive(prometheus, name, application):
    metrics, words = MISCONFIGURED[name]
    result = _evaluate(prometheus, application, **metrics)["availability"]
    assert result.verdict.value == "INCONCLUSIVE", result.reason
    assert result.reason.startswith("errors not countable: "), result.reason
    assert words in result.reason, result.reason


def test_a_threshold_without_a_real_bucket_is_inconclusive_unless_interpolated(prometheus):
    declared = {"buckets": [0.1, 0.25, 0.5, 1.0]}  # the service has no 0.25 s bucket
    url, t0 = prometheus
    document = copy.deepcopy(SLO)
    document["spec"]["objectives"][1]["threshold"] = 0.25
    for interpolate in (False, True):
        document["spec"]["objectives"][1]["interpolate"] = interpolate
        document["spec"]["metrics"].update(declared)
        document["spec"]["objectives"][1]["measured_at"] = ["server"]
        spec = validate_spec(copy.deepcopy(document), "items.yaml")
        with PrometheusClient(url) as client:
            window = Window(start=t0 + WINDOW[0], end=t0 + WINDOW[1])
            (result,) = [
                r for r in evaluate_spec(spec, client, window) if r.objective == "p95-under-500ms"
            ]
        if interpolate:
            assert result.verdict.value == "PASS" and result.evidence.interpolated, result.reason
        else:
            assert result.verdict.value == "INCONCLUSIVE", result.reason
            assert result.reason.startswith(
                "no le=0.25 bucket in the service's histogram (spec.metrics.buckets says there "
                "is; it has [0.1, 0.5, 1.0])"
            ), result.reason
            assert result.evidence.total is None

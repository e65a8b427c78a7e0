"""Health probes, /metrics and the fault hooks of a real service process."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.support.waiting import wait_until
from tests.target_service.service_process import ServiceProcess

pytestmark = pytest.mark.slow


def metric(client: httpx.Client, line_start: str) -> float | None:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(line_start + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


def add_fault(client: httpx.Client, service: ServiceProcess, body: dict) -> dict:
    response = client.post("/admin/faults", json=body, headers=service.admin_headers)
    assert response.status_code == 201, response.text
    return response.json()


def test_probes_when_all_is_well(client: httpx.Client) -> None:
    assert client.get("/health/liveness").json() == {"status": "alive"}
    assert client.get("/health/startup").json() == {"status": "started"}
    readiness = client.get("/health/readiness")
    assert readiness.status_code == 200
    body = readiness.json()
    assert body["status"] == "ok"
    assert body["dependencies"]["redis"]["status"] == "up"
    assert body["dependencies"]["redis"]["latency_ms"] > 0
    assert body["dependencies"]["redis"]["breaker"] == "closed"
    assert body["memory"]["rss_bytes"] > 10_000_000
    assert metric(client, "service_ready") == 1.0


def test_metrics_carry_the_contract_series(client: httpx.Client) -> None:
    text = client.get("/metrics").text
    route = 'method="GET",route="/api/v1/organisations/{organisation_id}",status_class="5xx"'
    assert f"http_requests_total{{{route}}} 0.0" in text  # pre-initialised
    assert f'http_request_duration_seconds_bucket{{le="0.5",{route}}} 0.0' in text
    for name in (
        "http_requests_in_flight",
        'circuit_breaker_state{dependency="redis"} 0.0',
        'event_loop_lag_seconds_bucket{le="0.05"}',
        "process_startup_duration_seconds",
        "clinic_organisations",
        "clinic_clinics",
        "clinic_assignments",
        'faults_active{kind="latency"} 0.0',
        'redis_operations_total{operation="get",outcome="ok"}',
        "process_resident_memory_bytes",
    ):
        assert name in text, name
    startup = metric(client, "process_startup_duration_seconds")
    assert startup is not None
    assert 0 < startup < 10


def test_requests_are_counted_by_route_template(client: httpx.Client) -> None:
    series = 'http_requests_total{method="GET",route="/api/v1/organisations",status_class="2xx"}'
    before = metric(client, series) or 0.0
    for _ in range(3):
        assert client.get("/api/v1/organisations").status_code == 200
    assert metric(client, series) == before + 3


def test_business_gauges_follow_the_data(client: httpx.Client) -> None:
    before = metric(client, "clinic_organisations") or 0.0
    client.post("/api/v1/organisations", json={"name": "Gauge Org", "country": "BE"})
    wait_until(
        lambda: metric(client, "clinic_organisations") == before + 1, timeout=10, what="gauge"
    )


def test_fault_hooks_need_the_token(client: httpx.Client, service: ServiceProcess) -> None:
    body = {"kind": "readiness_off", "ttl_s": 5}
    assert client.post("/admin/faults", json=body).status_code == 401
    wrong = {"Authorization": "Bearer wrong-token"}
    assert client.post("/admin/faults", json=body, headers=wrong).status_code == 401
    assert client.get("/admin/faults", headers=wrong).status_code == 401
    assert client.get("/admin/faults", headers=service.admin_headers).json() == []


def test_the_token_may_come_as_x_admin_token(client: httpx.Client, service: ServiceProcess) -> None:
    """Behind the Kubernetes API server's pod proxy, which drops Authorization after
    authenticating its own caller, the token travels in X-Admin-Token."""
    assert service.admin_token is not None
    given = {"X-Admin-Token": service.admin_token}
    assert client.get("/admin/faults", headers=given).json() == []
    assert client.get("/admin/faults", headers={"X-Admin-Token": "wrong"}).status_code == 401
    # a bearer token, when given, decides: a wrong one is not rescued by the header
    both = {**given, "Authorization": "Bearer wrong-token"}
    assert client.get("/admin/faults", headers=both).status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "latency", "fixed_ms": 10},  # no ttl_s
        {"kind": "latency", "fixed_ms": 10, "ttl_s": 3601},
        {"kind": "latency", "ttl_s": 5},  # neither fixed_ms nor mean_ms
        {"kind": "errors", "ratio": 1.5, "ttl_s": 5},
        {"kind": "latency", "fixed_ms": 10, "ratio": 0, "ttl_s": 5},  # a share in (0, 1]
        {"kind": "errors", "ratio": 0.5, "status": 200, "ttl_s": 5},
        {"kind": "meteor", "ttl_s": 5},
    ],
)
def test_bad_fault_bodies_are_422(
    client: httpx.Client, service: ServiceProcess, body: dict
) -> None:
    assert client.post("/admin/faults", json=body, headers=service.admin_headers).status_code == 422


def test_readiness_off_fault_expires_by_itself(
    client: httpx.Client, service: ServiceProcess
) -> None:
    fault = add_fault(client, service, {"kind": "readiness_off", "ttl_s": 1.5})
    assert fault["kind"] == "readiness_off"
    assert fault["expires_at"] == pytest.approx(time.time() + 1.5, abs=1)
    assert client.get("/health/readiness").status_code == 503
    assert client.get("/health/liveness").status_code == 200
    assert metric(client, 'faults_active{kind="readiness_off"}') == 1.0
    assert metric(client, "service_ready") == 0.0
    wait_until(lambda: client.get("/health/readiness").status_code == 200, timeout=10)
    assert metric(client, 'faults_active{kind="readiness_off"}') == 0.0
    assert client.get("/admin/faults", headers=service.admin_headers).json() == []


def test_latency_fault_slows_matching_routes_only(
    client: httpx.Client, service: ServiceProcess
) -> None:
    add_fault(client, service, {"kind": "latency", "fixed_ms": 300, "ttl_s": 30})
    started = time.perf_counter()
    assert client.get("/api/v1/organisations").status_code == 200
    assert time.perf_counter() - started >= 0.3
    started = time.perf_counter()
    assert client.get("/health/liveness").status_code == 200
    assert time.perf_counter() - started < 0.2
    labels = 'method="GET",route="/api/v1/organisations",status_class="2xx"'
    slow = f'http_request_duration_seconds_bucket{{le="0.25",{labels}}}'
    total = f"http_request_duration_seconds_count{{{labels}}}"
    assert (metric(client, total) or 0) > (metric(client, slow) or 0)


def test_error_fault_answers_the_share_with_its_status(
    client: httpx.Client, service: ServiceProcess
) -> None:
    fault = add_fault(
        client,
        service,
        {"kind": "errors", "ratio": 1.0, "status": 503, "ttl_s": 30, "routes": "/api/v1/clinics"},
    )
    errors = 'http_requests_total{method="GET",route="/api/v1/clinics",status_class="5xx"}'
    before = metric(client, errors) or 0.0
    assert client.get("/api/v1/clinics").status_code == 503
    assert client.get("/api/v1/organisations").status_code == 200  # outside the routes prefix
    assert metric(client, errors) == before + 1
    deleted = client.delete(f"/admin/faults/{fault['id']}", headers=service.admin_headers)
    assert deleted.status_code == 204
    assert client.get("/api/v1/clinics").status_code == 200


def test_partial_error_ratio(client: httpx.Client, service: ServiceProcess) -> None:
    add_fault(client, service, {"kind": "errors", "ratio": 0.5, "status": 500, "ttl_s": 30})
    statuses = [client.get("/api/v1/organisations").status_code for _ in range(200)]
    failed = statuses.count(500)
    assert set(statuses) == {200, 500}
    assert 60 <= failed <= 140  # binomial(200, 0.5): far outside 6 sigma otherwise


def test_latency_fault_on_a_share_of_requests(
    client: httpx.Client, service: ServiceProcess
) -> None:
    """ratio 0.25: about a quarter of matching requests wait 200 ms, the rest do not."""
    add_fault(client, service, {"kind": "latency", "fixed_ms": 200, "ratio": 0.25, "ttl_s": 60})
    slow = 0
    for _ in range(160):
        started = time.perf_counter()
        assert client.get("/api/v1/organisations").status_code == 200
        slow += time.perf_counter() - started >= 0.2
    assert 16 <= slow <= 64  # binomial(160, 0.25): mean 40, sd 5.5; outside is > 4 sd


def test_redis_latency_fault_delays_redis_calls(
    client: httpx.Client, service: ServiceProcess
) -> None:
    add_fault(client, service, {"kind": "redis_latency", "fixed_ms": 200, "ttl_s": 30})
    started = time.perf_counter()
    assert client.get("/api/v1/organisations").status_code == 200
    assert time.perf_counter() - started >= 0.2
    assert metric(client, 'faults_active{kind="redis_latency"}') == 1.0
    readiness = client.get("/health/readiness").json()
    assert readiness["dependencies"]["redis"]["latency_ms"] < 200  # probes are not delayed
    assert client.delete("/admin/faults", headers=service.admin_headers).status_code == 204
    assert metric(client, 'faults_active{kind="redis_latency"}') == 0.0

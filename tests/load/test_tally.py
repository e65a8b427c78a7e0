"""The tally: exact merging across processes, client metrics, summaries and breaking points."""

from __future__ import annotations

import json
import random

import pytest
from prometheus_client import CollectorRegistry

from slogate.load.client_metrics import ClientMetricsCollector
from slogate.load.profiles import Profile
from slogate.load.results import summarise
from slogate.load.run_files import RunFiles, TallyFile, read_tally
from slogate.load.tally import (
    HDR_HIGHEST_US,
    Tally,
    new_histogram,
    record_us,
    status_class,
    value_at_percentile,
)

ROUTES = [("GET", "/api/v1/clinics/{clinic_id}"), ("POST", "/api/v1/assignments")]
# (method, route index, status, service s, intended s, stage, transport error)
RESPONSES = [
    ("GET", 0, 200, 0.004, 0.006, 0, None),
    ("GET", 0, 200, 0.020, 0.030, 0, None),
    ("POST", 1, 201, 0.100, 0.100, 1, None),
    ("POST", 1, 503, 0.300, 0.600, 1, None),
    ("GET", 0, 0, 1.000, 1.000, 1, "refused"),
    ("GET", 0, 404, 0.002, 0.002, 1, None),
]


def _record(tally: Tally, rows) -> None:
    for method, route, status, service, intended, stage, error in rows:
        tally.record_start(stage, late=intended - service > 0.01)
        tally.record_response(method, ROUTES[route][1], status, service, intended, stage, error)


@pytest.mark.parametrize(
    ("status", "klass"), [(200, "2xx"), (204, "2xx"), (302, "3xx"), (404, "4xx"), (503, "5xx")]
)
def test_status_classes(status, klass):
    assert status_class(status) == klass
    assert status_class(0) == "transport"


def test_deltas_from_two_processes_merge_to_the_same_as_one():
    whole = Tally()
    whole.declare_routes(ROUTES)
    _record(whole, RESPONSES)
    one, two, merged = Tally(), Tally(), Tally()
    for tally in (one, two):
        tally.declare_routes(ROUTES)
    _record(one, RESPONSES[:3])
    _record(two, RESPONSES[3:])
    for delta in (one.take_delta(), two.take_delta()):
        merged.merge(json.loads(json.dumps(delta)))  # as it travels between processes
    assert merged.to_document() == whole.to_document()
    assert one.total("starts") == 0  # a delta restarts the counts
    assert merged.total("errors") == 2  # one 5xx, one transport error; the 404 is not one
    assert merged.transport_errors == {"refused": 1}
    assert merged.histogram("intended").get_total_count() == 6


def test_client_metrics_are_preinitialised_and_bucketed_like_the_server():
    tally = Tally()
    tally.declare_routes(ROUTES)
    registry = CollectorRegistry()
    registry.register(ClientMetricsCollector(lambda: tally))
    get = registry.get_sample_value
    labels = {"method": "GET", "route": ROUTES[0][1], "status_class": "transport"}
    assert get("http_requests_total", labels) == 0  # exists before the first request
    _record(tally, RESPONSES)
    assert get("http_requests_total", labels) == 1
    ok = {"method": "GET", "route": ROUTES[0][1], "status_class": "2xx"}
    assert get("http_requests_total", ok) == 2
    assert (
        get("http_request_duration_seconds_bucket", {**ok, "timing": "service", "le": "0.005"}) == 1
    )
    assert (
        get("http_request_duration_seconds_bucket", {**ok, "timing": "intended", "le": "0.01"}) == 1
    )
    assert (
        get("http_request_duration_seconds_bucket", {**ok, "timing": "intended", "le": "0.025"})
        == 1
    )
    assert (
        get("http_request_duration_seconds_bucket", {**ok, "timing": "intended", "le": "0.05"}) == 2
    )
    assert get("http_request_duration_seconds_count", {**ok, "timing": "service"}) == 2
    assert get("http_request_duration_seconds_sum", {**ok, "timing": "service"}) == pytest.approx(
        0.024
    )
    assert get("request_starts_total") == 6
    assert get("request_starts_late_total") == 1
    assert get("request_starts_missed_total") == 0
    assert get("load_generator_saturated") == 0


STEPPED = Profile(
    name="step",
    stages=[{"duration_s": 1, "rate": 10}, {"duration_s": 1, "rate": 20}],
    break_when={"p95_ms": 500, "error_ratio": 0.01},
)


@pytest.mark.parametrize(
    ("name", "second_stage", "saturated_seconds", "expected"),
    [
        ("nothing breaks", (0.010, 0.010, 200), 0, {"stage": None, "limited_by": None}),
        ("latency breaks", (0.800, 0.800, 200), 0, {"stage": 1, "limited_by": "target"}),
        ("errors break", (0.010, 0.010, 503), 0, {"stage": 1, "limited_by": "target"}),
        ("generator late", (0.010, 0.700, 200), 0, {"stage": 1, "limited_by": "load_generator"}),
        ("generator busy", (0.800, 0.800, 200), 3, {"stage": 1, "limited_by": "load_generator"}),
    ],
)
def test_breaking_point_of_a_stepped_profile(name, second_stage, saturated_seconds, expected):
    tally = Tally()
    tally.declare_routes(ROUTES)
    for _ in range(10):
        _record(tally, [("GET", 0, 200, 0.01, 0.01, 0, None)])
    service, intended, status = second_stage
    for _ in range(20):
        _record(tally, [("GET", 0, status, service, intended, 1, None)])
    tally.saturated_seconds = saturated_seconds
    summary = summarise(TallyFile(tally, complete=True), STEPPED, workers=1)
    point = summary.breaking_point
    assert point is not None
    assert {k: getattr(point, k) for k in expected} == expected, name
    assert summary.scheduled == summary.starts == 30
    assert summary.saturated == (saturated_seconds > 0)
    assert bool(summary.problems) == (saturated_seconds > 0)


def test_tally_json_reads_back_with_how_the_run_ended(tmp_path):
    tally = Tally()
    tally.declare_routes(ROUTES)
    _record(tally, RESPONSES)
    files = RunFiles(str(tmp_path))
    files.write_tally(tally, STEPPED, 100.0, complete=False, error="no seeded data", workers=2)
    run = read_tally(tmp_path)
    assert run is not None
    assert (run.complete, run.error, run.started_at) == (False, "no seeded data", 100.0)
    assert run.ended_at is not None and run.ended_at > 100.0
    assert run.tally.to_document() == tally.to_document()
    summary = summarise(run, STEPPED, workers=2)
    assert summary.problems[:2] == [
        "the load generator stopped: no seeded data",
        "the run did not complete: results are partial",
    ]
    (tmp_path / "tally.json").write_text('{"routes": [')
    assert read_tally(tmp_path) is None


def test_the_fast_hdr_recording_leaves_the_state_hdrh_itself_would():
    # record_us is the load generator's hot path (twice per request): it must leave exactly the
    # histogram hdrh's record_value leaves, at every slot boundary and across the whole range.
    rng = random.Random(15)
    values = [1, 2, 1023, 1024, 2047, 2048, 2049, 4095, 4096, 4097, 65_535, 65_536]
    values += [HDR_HIGHEST_US - 1, HDR_HIGHEST_US]
    values += [int(10 ** rng.uniform(0, 9.55)) for _ in range(20_000)]
    reference, fast = new_histogram(), new_histogram()
    for value in values:
        reference.record_value(value)
        record_us(fast, value)
    assert list(fast.counts) == list(reference.counts)
    assert (fast.total_count, fast.min_value, fast.max_value) == (
        reference.total_count,
        reference.min_value,
        reference.max_value,
    )
    assert fast.encode() == reference.encode()
    for percentile in (50, 95, 99, 99.9, 100):
        assert fast.get_value_at_percentile(percentile) == reference.get_value_at_percentile(
            percentile
        )


@pytest.mark.parametrize("seed", range(8))
def test_the_fast_percentile_is_the_value_hdrh_itself_gives(seed):
    # the status file's p95 walks the whole intended histogram every second: the fast walk
    # must give hdrh's value exactly, for narrow and wide, small and large histograms
    rng = random.Random(seed)
    low, high = sorted((rng.uniform(0, 9.55), rng.uniform(0, 9.55)))
    histogram = new_histogram()
    for _ in range(rng.choice([1, 2, 7, 100, 5_000])):
        histogram.record_value(int(10 ** rng.uniform(low, high)), rng.choice([1, 1, 3]))
    decoded = new_histogram().decode(histogram.encode())  # as the master reads a delta
    percentiles = [0, 0.1, 1, 25, 50, 90, 95, 99, 99.9, 99.99, 100, rng.uniform(0, 100)]
    for sample in (histogram, decoded, new_histogram()):
        for percentile in percentiles:
            assert value_at_percentile(sample, percentile) == sample.get_value_at_percentile(
                percentile
            ), (seed, percentile)

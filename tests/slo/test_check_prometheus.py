"""`slogate check` against a real Prometheus over backfilled, known data."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree as ET

import httpx
import pytest

from slogate.platform.state import StackState, save_state
from slogate.slo.counting import count_counters, delta_from_samples
from slogate.slo.evaluate import Window, evaluate_spec
from slogate.slo.prometheus import PrometheusClient, PrometheusQueryFailed
from slogate.slo.spec import load_spec
from tests.slo.known_data import (
    CUSTOM_SPEC,
    EXPECTED,
    SPEC,
    WINDOW,
    jumpy_points,
    known_prometheus,
)
from tests.slo.known_results import RECORDED, known_results
from tests.support.cli import Result, run_cli
from tests.support.waiting import free_port

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("slo-prometheus")]


@pytest.fixture(scope="module")
def prometheus():
    with known_prometheus() as server:
        yield server


@pytest.fixture
def spec_file(tmp_path):
    path = tmp_path / "known.yaml"
    path.write_text(SPEC)
    return path


def _rfc3339(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")


def _check(*args: str, home: Path | None = None) -> Result:
    """`slogate check ARGS` in a bare environment: no SLOGATE_* variable but SLOGATE_HOME when
    `home` is given."""
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("SLOGATE_")}
    env.update(COLUMNS="200", PATH="/usr/bin:/bin", SLOGATE_HOME=str(home) if home else None)
    return run_cli("check", *args, env=env)


def _evaluate(url, t0, spec_file, start=WINDOW[0], end=WINDOW[1]):
    with PrometheusClient(url) as client:
        return evaluate_spec(load_spec(spec_file), client, Window(start=t0 + start, end=t0 + end))


def test_verdicts_and_evidence_are_exact(prometheus, spec_file):
    url, t0 = prometheus
    results = _evaluate(url, t0, spec_file)
    got = {(r.objective, r.place): r.verdict.value for r in results}
    assert got == EXPECTED
    by = {(r.objective, r.place): r for r in results}

    server = by["availability", "server"].evidence
    # raw reset-aware deltas: health route excluded, 4xx counted as good, replica 1 reset once
    assert (server.total, server.bad, server.reset_series) == (20_408, 8, 1)
    assert server.budget is not None
    assert server.budget.allowed_bad == pytest.approx(20.408)
    assert server.budget.consumed == pytest.approx(8 / 20.408)
    assert server.budget.remaining == pytest.approx(1 - 8 / 20.408)
    assert server.budget.burn_rate == pytest.approx((8 / 20_408) / 0.001)
    assert any("resets(" in q for q in server.queries)

    client = by["availability", "client"].evidence
    assert (client.total, client.bad) == (20_030, 30)
    assert client.lower_bound is not None and client.lower_bound > 0.001

    edge = by["availability", "edge"].evidence
    assert (edge.total, edge.bad) == (20_000, 0)  # absent 5xx series = 0 errors

    p95 = by["p95", "server"].evidence
    assert (p95.total, p95.bad, p95.interpolated) == (40_000, 1_200, False)
    bounds = {name: (q.lower, q.upper) for name, q in p95.quantiles.items()}
    assert bounds == {"p50": (0.01, 0.025), "p95": (0.25, 0.5), "p99": (1.0, 2.5)}
    assert by["p99", "server"].evidence.bad == 800
    assert "no data" in by["p95", "client"].reason

    assert by["throughput", "server"].evidence.rate_rps == pytest.approx(20_408 / 400)
    assert by["throughput", "edge"].evidence.rate_rps == pytest.approx(50.0)
    assert by["startup", "server"].evidence.value == pytest.approx(2.1)
    assert by["lag", "server"].gating is False


def test_increase_would_have_miscounted(prometheus, spec_file):
    """The trap the raw deltas avoid: off the scrape grid, increase() extrapolates."""
    url, t0 = prometheus
    end = t0 + WINDOW[1] + 0.5
    query = 'sum(increase(http_requests_total{source="server",route=~"/api/.*"}[400s]))'
    body = httpx.get(f"{url}/api/v1/query", params={"query": query, "time": end}, timeout=10)
    extrapolated = float(body.json()["data"]["result"][0]["value"][1])
    assert extrapolated != round(extrapolated)  # not even a whole number of requests
    results = _evaluate(url, t0, spec_file, start=WINDOW[0] + 0.5, end=WINDOW[1] + 0.5)
    counted = next(r for r in results if (r.objective, r.place) == ("availability", "server"))
    assert counted.evidence.total == 20_408  # the samples at t0+100 and t0+500 bound it


def test_cli_exit_code_and_reports(prometheus, spec_file, tmp_path):
    url, t0 = prometheus
    out = tmp_path / "out"
    result = _check(
        str(spec_file),
        "--prometheus", url,
        "--since", _rfc3339(t0 + WINDOW[0]),
        "--until", _rfc3339(t0 + WINDOW[1]),
        "--json", str(out / "check.json"),
        "--junit", str(out / "junit.xml"),
        "--markdown", str(out / "summary.md"),
    )  # fmt: skip
    assert result.exit_code == 1, result.stdout + result.stderr  # a breach beats inconclusive
    assert "FAIL" in result.stdout and "INCONCLUSIVE" in result.stdout
    data = json.loads((out / "check.json").read_text())
    assert data["exit_code"] == 1
    assert len(data["results"]) == len(EXPECTED)
    suite = ET.parse(out / "junit.xml").getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("12", "2", "1")
    errors = [c for c in suite.iter("testcase") if c.find("error") is not None]
    assert errors[0].get("name") == "p95 @ client"
    assert "PromQL" in (errors[0].find("error").text or "")
    assert "| availability | client | FAIL |" in (out / "summary.md").read_text()


def test_missing_series_is_inconclusive(prometheus, tmp_path):
    url, t0 = prometheus
    spec = tmp_path / "missing.yaml"
    spec.write_text(SPEC.split("  objectives:")[0] + "  objectives:\n"
                    "    - {name: p95, sli: latency, threshold: 0.5, target: 0.95,"
                    " measured_at: [client]}\n")  # fmt: skip
    since, until = _rfc3339(t0 + WINDOW[0]), _rfc3339(t0 + WINDOW[1])
    result = _check(str(spec), "--prometheus", url, "--since", since, "--until", until)
    assert result.exit_code == 3, result.stdout + result.stderr
    assert "no data" in result.stdout


def test_window_shorter_than_four_scrapes_is_inconclusive(prometheus, spec_file):
    url, t0 = prometheus
    results = _evaluate(url, t0, spec_file, start=200, end=203)
    assert {r.verdict.value for r in results} == {"INCONCLUSIVE"}
    assert "shorter than 4 scrape intervals" in results[0].reason


def test_window_before_any_data_is_inconclusive(prometheus, spec_file):
    url, t0 = prometheus
    results = _evaluate(url, t0, spec_file, start=-2000, end=-1000)
    assert {r.verdict.value for r in results} == {"INCONCLUSIVE"}


def test_prometheus_down_is_inconclusive(spec_file, tmp_path):
    port = free_port()  # nothing listens here
    result = _check(
        str(spec_file), "--prometheus", f"http://127.0.0.1:{port}", "--last", "5m",
        "--json", str(tmp_path / "c.json"), "--timeout", "2",
    )  # fmt: skip
    assert result.exit_code == 3, result.stdout + result.stderr
    data = json.loads((tmp_path / "c.json").read_text())
    assert {r["verdict"] for r in data["results"]} == {"INCONCLUSIVE"}
    assert "unreachable" in data["results"][0]["reason"]


def test_nan_total_and_too_few_requests_are_inconclusive(prometheus, tmp_path):
    url, t0 = prometheus
    spec = tmp_path / "custom.yaml"
    spec.write_text(CUSTOM_SPEC)
    by = {r.objective: r for r in _evaluate(url, t0, spec)}
    assert by["weird"].verdict.value == "INCONCLUSIVE"
    assert "NaN" in by["weird"].reason
    assert by["few"].verdict.value == "INCONCLUSIVE"
    assert "too few requests: 400 of 2,995 needed" in by["few"].reason
    assert (by["few"].evidence.total, by["few"].evidence.bad) == (400, 0)
    assert by["few-loose"].verdict.value == "PASS"  # 400 > 299 needed at 99 %


# (scenario, window start and end relative to t0, did the series reset inside)
LONG_WINDOWS = [
    ("2 h window: three resets, one across a 15-minute gap", (-7100, 500), 1),
    ("window starting in the gap", (-2000, 0), 1),
    ("window ending just after a reset", (-7200, -6195), 1),
    ("no reset inside", (-5900, -4100), 0),
    # the end value is older than the lookback: only the window-long query reads it
    ("window ending in the gap, no reset", (-2800, -1500), 0),
]


@pytest.mark.parametrize(
    ("bounds", "reset_series"), [w[1:] for w in LONG_WINDOWS], ids=[w[0] for w in LONG_WINDOWS]
)
def test_reset_aware_counts_over_long_windows_match_the_raw_samples(
    prometheus, bounds, reset_series
):
    url, t0 = prometheus
    start, end = t0 + bounds[0], t0 + bounds[1]
    points = [(t, v) for t, v in jumpy_points(t0) if t <= end]
    expected = delta_from_samples(points, start)
    with PrometheusClient(url) as client:
        count = count_counters(client, 'jumpy_total{job="x"}', start, end)
    assert count.total == expected
    assert count.reset_series == reset_series
    # only short parts around the resets are read raw, never the whole window
    raw_ranges = [
        int(m.group(1)) / 1000
        for q in count.queries
        if not q.startswith(("last_over_time", "resets"))
        for m in [re.search(r"\[(\d+)ms\]$", q)]
        if m
    ]
    assert all(seconds <= 300 for seconds in raw_ranges)
    assert bool(raw_ranges) == bool(reset_series)


def test_series_born_in_the_window_counts_from_zero(prometheus):
    url, t0 = prometheus
    with PrometheusClient(url) as client:
        count = count_counters(client, 'born_total{job="x"}', t0 + 100, t0 + 500)
    assert count.total == 98.0  # 2 x 49: its first sample (0) is where it started


def test_check_finds_prometheus_in_the_stack_state(prometheus, spec_file, tmp_path, monkeypatch):
    url, t0 = prometheus
    home = tmp_path / "home"
    monkeypatch.setenv("SLOGATE_HOME", str(home))
    save_state(
        StackState(
            stack="slo-test", started_at=t0, run_dir=str(tmp_path), prometheus_url=url,
            scrape_interval_s=1.0,
        )
    )  # fmt: skip
    since, until = _rfc3339(t0 + WINDOW[0]), _rfc3339(t0 + WINDOW[1])
    result = _check(str(spec_file), "--stack", "slo-test", "--since", since, "--until", until,
                        home=home)  # fmt: skip
    assert result.exit_code == 1, result.stdout + result.stderr
    missing = _check(str(spec_file), "--stack", "nope", "--last", "5m", home=home)
    assert missing.exit_code == 2
    assert "stack 'nope' is not up" in missing.stderr


def test_bad_spec_and_bad_flags_exit_2_without_traceback(spec_file, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(SPEC.replace("threshold: 0.5, target: 0.95", "threshold: 0.4, target: 0.95"))
    result = _check(str(bad), "--prometheus", "http://127.0.0.1:9", "--last", "5m")
    assert result.exit_code == 2
    assert "spec.objectives[2].threshold" in result.stderr
    assert "Traceback" not in result.stderr
    flags = _check(str(spec_file), "--prometheus", "http://127.0.0.1:9", "--last", "5m",
                   "--since", "10m")  # fmt: skip
    assert flags.exit_code == 2
    assert "cannot be combined" in flags.stderr


def test_interpolated_threshold_is_flagged(prometheus, tmp_path):
    url, t0 = prometheus
    spec = tmp_path / "interp.yaml"
    spec.write_text(SPEC.split("  objectives:")[0] + "  objectives:\n"
                    "    - {name: p-0.3, sli: latency, threshold: 0.3, interpolate: true,"
                    " target: 0.9}\n")  # fmt: skip
    (result,) = _evaluate(url, t0, spec)
    # 0.25 s: 93/s, 0.5 s: 97/s -> 93.8/s at 0.3 s (linear), x 400 s; never rounded in favour
    assert (result.evidence.total, result.evidence.bad) == (40_000, 2_480)
    assert result.evidence.interpolated is True
    assert result.verdict.value == "PASS"
    assert "interpolated" in result.reason


def test_prometheus_error_is_inconclusive(prometheus, tmp_path):
    url, t0 = prometheus
    spec = tmp_path / "err.yaml"
    spec.write_text(SPEC.split("  objectives:")[0] + "  slis:\n"
                    "    broken: {bad: 'x_total', total: 'x_total{a=~\"(\"}'}\n"
                    "  objectives:\n    - {name: broken, sli: broken, target: 0.9}\n")  # fmt: skip
    (result,) = _evaluate(url, t0, spec)
    assert result.verdict.value == "INCONCLUSIVE"
    assert "answered HTTP 400" in result.reason


def test_a_batch_of_queries_answers_in_order_and_raises_the_first_error(prometheus):
    url, t0 = prometheus
    batch = [
        ('last_over_time(jumpy_total{job="x"}[300000ms])', t0 - 7200 + 10 * k) for k in range(9)
    ]
    with PrometheusClient(url) as client:
        one_by_one = [client.vector(expr, at) for expr, at in batch]
        assert client.vectors(batch) == one_by_one
        assert [s[0].value for s in one_by_one][:3] == [7.0, 14.0, 21.0]  # distinct answers
        with pytest.raises(PrometheusQueryFailed, match="answered HTTP 400"):
            client.vectors([*batch, ('x_total{a=~"("}', t0)])
        assert client.queries == 9 + 9 + 10


def test_a_range_query_answers_as_instant_queries_at_each_step(prometheus):
    """`vectors_every` (the raw path's parts) equals an instant query at each step: over
    resets, the 15-minute scrape gap (no answer at those steps) and an `offset`; on a grid of
    whole seconds and on one of odd milliseconds (which a time in float seconds can miss)."""
    url, t0 = prometheus
    expressions = [
        'last_over_time(jumpy_total{job="x"}[450000ms])',
        "resets(jumpy_total[510000ms]) - resets(jumpy_total[60000ms] offset 450000ms)",
    ]
    grids = [((t0 - 5200) * 1000, 450_000), ((t0 - 5200) * 1000 + 37_967, 411_967)]
    with PrometheusClient(url) as client:
        for expr in expressions:
            for first_ms, step_ms in grids:
                last_ms = first_ms + 12 * step_ms
                stepped = client.vectors_every(expr, first_ms, last_ms, step_ms)
                at_each = [
                    client.vector(expr, ms / 1000) for ms in range(first_ms, last_ms + 1, step_ms)
                ]
                assert stepped == at_each
                assert [] in stepped and any(s and s[0].value > 0 for s in stepped)
        with pytest.raises(ValueError, match="not on the grid"):
            client.vectors_every(expressions[0], first_ms, last_ms + 1, step_ms)
        assert client.queries == 2 * 2 * (1 + 13)


def test_gathered_calls_answer_in_order_and_raise_the_first_error(prometheus):
    url, t0 = prometheus
    expr = 'last_over_time(jumpy_total{job="x"}[300000ms])'
    with PrometheusClient(url) as client:
        answers = client.gather(
            [lambda: client.vector(expr, t0 - 7000), lambda: client.vectors([(expr, t0 - 6990)])]
        )
        assert answers == [[client.vector(expr, t0 - 7000)[0]], [client.vector(expr, t0 - 6990)]]
        finished = []
        with pytest.raises(PrometheusQueryFailed, match="answered HTTP 400"):
            client.gather(
                [
                    lambda: client.vector('x_total{a=~"("}', t0),
                    lambda: finished.append(client.vector(expr, t0 - 7000)),
                ]
            )
        assert len(finished) == 1  # the other call ran to its end before the error was raised


def test_every_result_is_the_recorded_one(prometheus):
    """Verdicts, reasons and evidence (all but the PromQL) over 5 windows and both specs are
    those recorded before `slogate check` was made faster (tests/slo/known_results.py)."""
    url, t0 = prometheus
    recorded = json.loads(RECORDED.read_text())
    assert known_results(url, t0) == recorded

"""Throughput is judged over the time the load ran, never over idle time (issue 15).

The false FAIL the issue reports, rebuilt in a real Prometheus over backfilled data: a load
that held 510 req/s for 40 s, checked over a 45 s window with 5 idle seconds in it, came out
as 453 req/s and FAIL. Given the load run's results folder (`--load-run`, its summary.json
written by the real load code), the same window judges the 40 s the load ran: PASS. A service
that really served too little (450 req/s while loaded, a second load later in the same data)
still FAILs, so judging over the load's window hides nothing.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from slogate.load.profiles import find_profile
from slogate.load.results import summarise, write_results
from slogate.load.run_files import TallyFile
from slogate.load.tally import Tally
from slogate.slo.evaluate import Window, evaluate_spec
from slogate.slo.prometheus import PrometheusClient
from slogate.slo.spec import load_spec
from slogate.slo.stats import Verdict
from tests.slo.backfill import SeriesData, backfilled_prometheus
from tests.slo.known_data import base_time
from tests.support.cli import REPO, Result, run_cli

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("slo-prometheus")]

IDLE_S = 5
LOADS = {"reference": (10, 50, 510), "weak": (110, 150, 450)}  # start, end (t0 + s), req/s
SPEC = """\
apiVersion: slogate.dev/v1
kind: SLO
metadata: {name: throughput}
spec:
  service: throughput
  objectives:
    - {name: throughput-500rps, sli: throughput, min_rps: 500, measured_at: [server]}
"""


def _served(t0: int) -> SeriesData:
    """One server counter, idle but for the two loads of LOADS."""

    def value(i: int) -> float:
        return float(sum(rate * min(max(i - a, 0), b - a) for a, b, rate in LOADS.values()))

    data = SeriesData()
    labels = {"source": "server", "method": "GET", "route": "/api/v1/organisations",
              "status_class": "2xx"}  # fmt: skip
    data.counter("http_requests_total", labels, t0, value, 170)
    return data


@pytest.fixture(scope="module")
def prometheus():
    t0 = base_time()
    with backfilled_prometheus(_served(t0)) as server:
        yield server.url, t0


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "throughput.yaml"
    path.write_text(SPEC)
    return path


def _load_run(folder: Path, t0: int, service: str) -> Path:
    """A `slogate load` results folder whose load ran as LOADS[service] says."""
    start, end, _ = LOADS[service]
    profile = find_profile("baseline", REPO / "loadtests").with_overrides(500, end - start, None)
    ran = TallyFile(Tally(), complete=True, started_at=t0 + start, ended_at=t0 + end)
    write_results(folder, Tally(), summarise(ran, profile, 1))
    return folder


def _window(t0: int, service: str) -> tuple[str, ...]:
    """The user's window as options: the load and IDLE_S idle seconds before it."""
    start, end, _ = LOADS[service]
    return "--since", _rfc3339(t0 + start - IDLE_S), "--until", _rfc3339(t0 + end)


def _rfc3339(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")


def _check(url: str, *args: str) -> Result:
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("SLOGATE_")}
    env.update(COLUMNS="200")
    return run_cli("check", "--prometheus", url, *args, env=env)


def test_idle_seconds_in_the_window_made_a_held_load_fail(prometheus, spec_file):
    """The bug as reported: 40 s at 510 req/s judged over 45 s is 453 req/s, FAIL."""
    url, t0 = prometheus
    result = _check(url, str(spec_file), *_window(t0, "reference"))
    assert result.exit_code == 1, result.stdout
    assert "453.3 req/s over 45 s" in result.stdout


def test_the_load_run_judges_throughput_over_the_load(prometheus, spec_file, tmp_path):
    url, t0 = prometheus
    run = _load_run(tmp_path / "load", t0, "reference")
    result = _check(url, str(spec_file), *_window(t0, "reference"), "--load-run", str(run))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "510.0 req/s over the 40.0 s the load ran in the window" in result.stdout
    alone = _check(url, str(spec_file), "--load-run", str(run))  # window: the load's own
    assert alone.exit_code == 0, alone.stdout + alone.stderr
    assert "510.0 req/s over the 40.0 s the load ran" in alone.stdout


def test_a_service_that_served_too_little_still_fails(prometheus, spec_file, tmp_path):
    url, t0 = prometheus
    run = _load_run(tmp_path / "load", t0, "weak")
    result = _check(url, str(spec_file), *_window(t0, "weak"), "--load-run", str(run))
    assert result.exit_code == 1, result.stdout
    assert "450.0 req/s over the 40.0 s the load ran in the window" in result.stdout


def test_a_window_without_the_load_is_inconclusive(prometheus, spec_file):
    """The load ran outside the window, or too little of it inside: never a verdict."""
    url, t0 = prometheus
    start, end, _ = LOADS["reference"]
    spec = load_spec(spec_file)
    cases = {
        "the load did not run in the window": (t0 + end + 10, t0 + end + 40),
        "the load ran 3.0 s in the window, shorter than 4 scrape intervals": (
            t0 + end - 3, t0 + end + 30,
        ),
    }  # fmt: skip
    with PrometheusClient(url) as client:
        for reason, (a, b) in cases.items():
            [result] = evaluate_spec(
                spec,
                client,
                Window(start=a, end=b),
                1.0,
                None,
                Window(start=t0 + start, end=t0 + end),
            )
            assert result.verdict is Verdict.INCONCLUSIVE
            assert result.reason.startswith(reason), result.reason


def test_a_bad_load_run_exits_2_naming_the_file_and_field(spec_file, tmp_path):
    missing = _check("http://127.0.0.1:9", str(spec_file), "--load-run", str(tmp_path))
    assert missing.exit_code == 2
    assert f"--load-run {tmp_path}: no summary.json there" in missing.stderr
    assert "Traceback" not in missing.stderr
    (tmp_path / "summary.json").write_text('{"profile": 3}')
    broken = _check("http://127.0.0.1:9", str(spec_file), "--load-run", str(tmp_path))
    assert broken.exit_code == 2
    assert f"{tmp_path / 'summary.json'}: profile: a load summary written by" in broken.stderr
    never = _load_run(tmp_path / "never", 0, "reference")
    document = (
        (never / "summary.json").read_text().replace('"started_at": 10.0', '"started_at": null')
    )
    (never / "summary.json").write_text(document)
    old = _check("http://127.0.0.1:9", str(spec_file), "--load-run", str(never))
    assert old.exit_code == 2
    assert "summary.json: started_at: when the load ran" in old.stderr

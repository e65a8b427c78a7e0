"""The client latency table: exact HDR percentiles over all routes (from the load's real
summary code over recorded latencies) and Locust's per-route statistics (a locust_stats.csv
as Locust 2.47 writes it), in report.json, summary.md and report.html."""

from __future__ import annotations

from pathlib import Path

import pytest

from slogate.gate.client_latency import client_latency
from slogate.load.profiles import find_profile
from slogate.load.results import summarise
from slogate.load.run_files import TallyFile
from slogate.load.tally import Tally
from slogate.report.html import to_html
from slogate.report.summary import to_markdown
from tests.report.scenarios import SCENARIOS
from tests.support.cli import REPO

HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
    "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%\n"
)
LOCUST_STATS = HEADER + """\
GET,/api/v1/clinics/{clinic_id},700,2,6,7.1,0.86,48.2,160.0,23.3,0.07,6,7,8,8,9,12,20,31,48,48,48
POST,/api/v1/assignments,300,0,9,10.2,1.2,61.7,90.0,10.0,0.0,9,10,11,12,14,17,30,44,62,62,62
,Aggregated,1000,2,7,8.0,0.86,61.7,139.0,33.3,0.07,7,8,9,9,11,14,24,38,62,62,62
"""  # fmt: skip


@pytest.fixture
def load_dir(tmp_path: Path) -> Path:
    (tmp_path / "locust_stats.csv").write_text(LOCUST_STATS)
    return tmp_path


def _summary():
    tally = Tally()
    for ms in range(1, 1001):  # service time 1..1000 ms, 2 ms later than intended
        tally.record_response("GET", "/api/v1/clinics/{clinic_id}", 200, ms / 1000,
                              (ms + 2) / 1000, 0)  # fmt: skip
    profile = find_profile("smoke", REPO / "loadtests")
    return summarise(TallyFile(tally, complete=True, started_at=0, ended_at=10), profile, 1)


def test_exact_figures_over_all_routes_then_locusts_per_route(load_dir):
    rows = client_latency(_summary(), load_dir)
    exact = {row.timing: row for row in rows if row.source == "hdr"}
    assert exact["service"].requests == 1000
    assert exact["service"].p95_ms == pytest.approx(950, rel=0.002)  # HDR: 3 digits
    assert exact["intended"].p95_ms == pytest.approx(952, rel=0.002)
    per_route = [(r.route, r.requests, r.failures, r.p95_ms, r.max_ms)
                 for r in rows if r.source == "locust"]  # fmt: skip
    assert per_route == [
        ("GET /api/v1/clinics/{clinic_id}", 700, 2, 12.0, 48.2),
        ("POST /api/v1/assignments", 300, 0, 17.0, 61.7),
        ("all routes", 1000, 2, 14.0, 61.7),
    ]


def test_no_files_no_figures(tmp_path):
    assert client_latency(None, tmp_path) == []
    (tmp_path / "locust_stats.csv").write_text("not,a\\nstats file\n")
    assert client_latency(None, tmp_path) == []


def test_summary_and_html_show_the_table_beside_the_estimates(load_dir):
    report = SCENARIOS["passing_smoke"]()
    report.client_latency = client_latency(_summary(), load_dir)
    markdown = to_markdown(report)
    assert "exact over all routes from the load generator's HDR histograms" in markdown
    route = "| GET /api/v1/clinics/{clinic_id} | Locust (~2 digits) | service | 700 | 2 | 6 | 12 |"
    assert route in markdown
    assert "| all routes | HDR (exact) | service | 1,000 | – | 500.2 | 950.3 |" in markdown
    page = to_html(report)
    assert "<h2>Client latency</h2>" in page
    assert "<td>POST /api/v1/assignments</td>" in page
    # an older report.json without the table renders without it
    report.client_latency = []
    assert "Client latency" not in to_markdown(report) and "Client latency" not in to_html(report)

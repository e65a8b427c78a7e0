"""`slogate report` and `slogate compare` through the real entry point (exit codes, output)."""

from __future__ import annotations

import json

import pytest

from slogate.errors import UsageError
from slogate.report.compare import Threshold, compare_reports, parse_threshold
from slogate.report.store import read_report
from tests.report.scenarios import SCENARIOS
from tests.support.cli import run_cli

SMOKE = "20261128T141503Z-smoke"
POD_KILL = "20261128T141503Z-pod-kill"
REGRESSION = "20261128T141503Z-regression"


def test_report_re_renders_from_report_json(reports_dir):
    folder = reports_dir / SMOKE
    for name in ("report.html", "junit.xml", "summary.md"):
        (folder / name).unlink()
    result = run_cli("report", SMOKE, "--reports-dir", str(reports_dir))
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        str(folder / n) for n in ("report.html", "junit.xml", "summary.md")
    ]
    assert "<svg" in (folder / "report.html").read_text()
    assert (folder / "summary.md").read_text().startswith("## slogate `smoke`: PASS (exit 0)")


def test_report_of_an_unknown_run_exits_2_naming_it(reports_dir):
    result = run_cli("report", "20991231T000000Z-smoke", "--reports-dir", str(reports_dir))
    assert result.exit_code == 2
    assert "error: unknown run '20991231T000000Z-smoke'" in result.stderr
    assert "Traceback" not in result.stderr


def test_report_of_a_corrupt_report_json_exits_2_naming_the_file(reports_dir):
    path = reports_dir / SMOKE / "report.json"
    path.write_text(path.read_text()[:200])
    result = run_cli("report", SMOKE, "--reports-dir", str(reports_dir))
    assert result.exit_code == 2
    assert f"{path}: not valid JSON" in result.stderr


def test_compare_without_thresholds_reports_and_exits_0(reports_dir):
    result = run_cli("compare", POD_KILL, REGRESSION, "--reports-dir", str(reports_dir))
    assert result.exit_code == 0
    assert "PASS→FAIL" in result.stdout
    assert "24→384 ms" in result.stdout


@pytest.mark.parametrize(
    ("thresholds", "expected"),
    [
        (["p95 +10%"], 1),
        (["p95 +400ms"], 0),  # 24 -> 384 ms is +360 ms
        (["p95 +350ms"], 1),
        (["verdict"], 1),
        (["throughput -5%"], 0),
        (["bad_share +0.05pp"], 1),  # 0 % -> 12 % slower than 500 ms
        (["upper_bound +20pp"], 0),
    ],
)
def test_compare_with_thresholds_exits_1_on_a_regression(reports_dir, thresholds, expected):
    args = ["compare", POD_KILL, REGRESSION, "--reports-dir", str(reports_dir)]
    for threshold in thresholds:
        args += ["--threshold", threshold]
    result = run_cli(*args)
    assert result.exit_code == expected, result.stdout
    assert ("regression(s):" in result.stdout) == (expected == 1)


def test_a_run_compared_with_itself_has_no_regression(reports_dir):
    result = run_cli(
        "compare",
        REGRESSION,
        REGRESSION,
        "--reports-dir",
        str(reports_dir),
        "--threshold",
        "p99 +0%",
        "--threshold",
        "verdict",
    )
    assert result.exit_code == 0
    assert "no regression beyond p99 +0%, verdict" in result.stdout


def test_compare_writes_json(reports_dir, tmp_path):
    out_path = tmp_path / "cmp.json"
    result = run_cli(
        "compare",
        POD_KILL,
        REGRESSION,
        "--reports-dir",
        str(reports_dir),
        "--threshold",
        "p99 +10%",
        "--json",
        str(out_path),
    )
    assert result.exit_code == 1
    data = json.loads(out_path.read_text())
    assert (data["run_a"], data["run_b"]) == (POD_KILL, REGRESSION)
    flagged = [row for row in data["rows"] if row["regressions"]]
    assert len(flagged) == 4
    assert {row["phase"] for row in flagged} == {"fault"}


@pytest.mark.parametrize(
    ("threshold", "message"),
    [
        ("p95 10%", "expected METRIC SIGN AMOUNT UNIT"),
        ("p95 +10", "expected METRIC SIGN AMOUNT UNIT"),
        ("p42 +10%", "unknown metric 'p42'"),
        ("p95 -10%", "for p95 an increase is the regression; write 'p95 +10%'"),
        ("throughput +5%", "for throughput a decrease is the regression"),
        ("p95 +3pp", "unit 'pp' for p95 (one of %, ms, s)"),
    ],
)
def test_a_malformed_threshold_exits_2_naming_it(reports_dir, threshold, message):
    result = run_cli(
        "compare",
        POD_KILL,
        REGRESSION,
        "--reports-dir",
        str(reports_dir),
        "--threshold",
        threshold,
    )
    assert result.exit_code == 2
    assert f"--threshold {threshold!r}" in result.stderr
    assert message in result.stderr


def test_compare_of_an_unknown_run_exits_2(reports_dir):
    result = run_cli("compare", SMOKE, "nope", "--reports-dir", str(reports_dir))
    assert result.exit_code == 2
    assert "unknown run 'nope'" in result.stderr


def test_relative_thresholds_on_a_metric_that_was_zero():
    grew = parse_threshold("bad_share +50%")
    assert grew.exceeded(0.0, 0.0001) is True
    assert grew.exceeded(0.0, 0.0) is False
    assert grew.exceeded(0.01, 0.014) is False and grew.exceeded(0.01, 0.016) is True
    assert Threshold("x", "throughput", 0.05, relative=True).exceeded(300.0, 280.0) is True


def test_rows_present_in_one_run_only_are_listed(reports_dir):
    smoke = read_report(reports_dir / SMOKE / "report.json")
    regression = SCENARIOS["failing_regression"]()
    comparison = compare_reports(smoke, regression, [])
    assert len(comparison.rows) == 7
    assert "fault p95-under-500ms server" in comparison.only_in_b
    assert comparison.only_in_a == []


def test_parse_threshold_raises_usage_errors():
    with pytest.raises(UsageError):
        parse_threshold("")

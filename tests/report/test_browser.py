"""report.html renders in headless Debian chromium, offline, with its charts in the DOM."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from slogate.report.writer import write_report
from tests.report.scenarios import SCENARIOS

CHROMIUM = shutil.which("chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="Debian chromium is not installed (scripts/system-packages.sh chromium)",
    ),
]


def _offline_prefix() -> list[str]:
    """`unshare -n` (no network at all) where this user may create a network namespace."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return []
    probe = subprocess.run([unshare, "-n", "true"], capture_output=True, timeout=10, check=False)
    return [unshare, "-n"] if probe.returncode == 0 else []


def chromium(tmp_path: Path, page: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    command = [
        *_offline_prefix(),
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        *extra,
        page.as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("name", ["failing_regression", "partial_interrupted"])
def test_the_report_renders_offline_with_its_charts(tmp_path, name):
    report = SCENARIOS[name]()
    paths = write_report(report, tmp_path / report.run_id)
    result = chromium(tmp_path, paths["report.html"], "--dump-dom")
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    charts = re.findall(r'<svg class="chart" data-chart="([a-z_]+)"', dom)
    assert charts == ["request_rate", "error_ratio", "latency"]
    assert dom.count("<polyline") >= 3 * 2  # at least client and server in every chart
    assert dom.count('<rect class="fault-window"') == 3 * len(report.faults)
    assert '<section id="verdict">' in dom


def test_a_screenshot_of_the_report_is_drawn(tmp_path):
    report = SCENARIOS["passing_pod_kill"]()
    paths = write_report(report, tmp_path / report.run_id)
    shot = tmp_path / "report.png"
    result = chromium(
        tmp_path,
        paths["report.html"],
        f"--screenshot={shot}",
        "--window-size=1100,1400",
        "--hide-scrollbars",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1100, 1400)
    assert len(data) > 50_000  # a blank page compresses to a few kB; charts and tables do not

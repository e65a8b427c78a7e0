"""Fixtures for report tests: scenario reports written to a tmp reports folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from slogate.report.model import RunReport
from slogate.report.writer import write_report
from tests.report.scenarios import SCENARIOS


@pytest.fixture
def reports_dir(tmp_path: Path) -> Path:
    """A reports folder holding every scenario, each under its run id."""
    folder = tmp_path / "reports"
    for make in SCENARIOS.values():
        report = make()
        write_report(report, folder / report.run_id)
    return folder


@pytest.fixture(params=sorted(SCENARIOS))
def scenario(request: pytest.FixtureRequest) -> tuple[str, RunReport]:
    return request.param, SCENARIOS[request.param]()

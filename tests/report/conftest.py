"""Fixtures for report tests: scenario reports written to a tmp reports folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from slogate.report.model import RunReport
from slogate.report.writer import write_report
from tests.report.scenarios import SCENARIOS


@pytest.fixture(scope="session")
def written_reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every scenario written once per session, each under its run id; tests use a copy."""
    folder = tmp_path_factory.mktemp("scenarios") / "reports"
    for make in SCENARIOS.values():
        report = make()
        write_report(report, folder / report.run_id)
    return folder


@pytest.fixture
def reports_dir(written_reports: Path, tmp_path: Path) -> Path:
    """A reports folder holding every scenario, each under its run id: the test's own copy (it
    may delete or corrupt files)."""
    folder = tmp_path / "reports"
    shutil.copytree(written_reports, folder)
    return folder


@pytest.fixture(params=sorted(SCENARIOS))
def scenario(request: pytest.FixtureRequest) -> tuple[str, RunReport]:
    return request.param, SCENARIOS[request.param]()

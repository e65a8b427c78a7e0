"""Report files get the mode any new file in the run folder gets (0644 under umask 022), not
mkstemp's private 0600: a report folder is shared as a CI artefact."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from slogate.report.writer import write_report
from tests.report.scenarios import SCENARIOS
from tests.support.umask import umask


@pytest.mark.parametrize(
    ("mask", "expected"),
    [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)],
    ids=["umask-022", "umask-002", "umask-077"],
)
def test_report_files_get_the_usual_mode(tmp_path: Path, mask: int, expected: int) -> None:
    report = next(iter(SCENARIOS.values()))()
    folder = tmp_path / report.run_id
    with umask(mask):
        write_report(report, folder)
        (folder / "neighbour.log").write_text("written with open()\n")
    modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in folder.iterdir()}
    assert {"report.json", "report.html", "junit.xml", "summary.md"} <= modes.keys()
    assert modes == dict.fromkeys(modes, expected)

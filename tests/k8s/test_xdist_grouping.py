"""One control plane per session needs --dist loadgroup to keep an xdist_group on one worker.

pytest 9.2 with pytest-xdist 3.8 silently stops doing that (pytest-xdist issue 1386): the
tests spread over the workers and each worker starts its own control plane. This runs a
small grouped suite the way `make test` runs the real one and checks the grouping holds.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

GROUPED_MODULE = """
import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.xdist_group("together")


@pytest.mark.parametrize("index", range(6))
def test_records_its_worker(index):
    out = Path(os.environ["WORKERS_FILE"])
    with out.open("a") as handle:
        handle.write(os.environ["PYTEST_XDIST_WORKER"] + "\\n")
"""
RUN_TIMEOUT_S = 120


def test_an_xdist_group_runs_on_one_worker(tmp_path: Path) -> None:
    for name in ("test_first.py", "test_second.py"):
        (tmp_path / name).write_text(GROUPED_MODULE)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    workers = tmp_path / "workers.txt"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-n",
            "2",
            "--dist",
            "loadgroup",
            "-p",
            "no:cacheprovider",
        ],
        cwd=tmp_path,
        env={"WORKERS_FILE": str(workers), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    seen = workers.read_text().split()
    assert len(seen) == 12
    assert len(set(seen)) == 1, f"one xdist_group ran on several workers: {sorted(set(seen))}"

"""The locustfile API (`slogate.locust`): the example in loadtests/README.md is a working
locustfile whose only user class is the one slogate starts (Locust in a subprocess)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.load.support import REPO_ROOT


def _users(locustfile) -> list[str]:
    listed = subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(locustfile), "--list"],
        capture_output=True, text=True, timeout=60, cwd=REPO_ROOT,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith("Available Users:"), listed.stdout
    return listed.stdout.split()[2:]


def test_the_readme_example_offers_only_the_open_model_user(tmp_path):
    readme = (REPO_ROOT / "loadtests" / "README.md").read_text()
    example = re.search(r"```python\n(.*?)```", readme, re.S)
    assert example is not None
    (tmp_path / "locustfile.py").write_text(example.group(1))
    assert _users(tmp_path / "locustfile.py") == ["OpenModelUser"]


@pytest.mark.parametrize(
    ("locustfile", "users"),
    [
        ("loadtests/locustfile.py", ["OpenModelUser", "BrowsingUser", "SchedulingUser"]),
        ("benchmarks/load_bench_files/locustfile.py", ["OpenModelUser"]),
    ],
)
def test_the_shipped_locustfiles_offer_their_users(locustfile, users):
    assert _users(REPO_ROOT / locustfile) == users

"""The locustfile API (`slogate.locust`): the example in loadtests/README.md is a working
locustfile whose only user class is the one slogate starts (Locust in a subprocess)."""

from __future__ import annotations

import re
import subprocess
import sys

import httpx
import pytest

from tests.load.support import REPO_ROOT, explain, run_load
from tests.support.own_service import readme_locustfile, running_items_service, write_project


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


@pytest.mark.slow
def test_the_readme_example_loads_another_service_with_no_internal_import(tmp_path):
    """The README's locustfile, as written there, drives a few seconds of load at a service
    that is not target_service (tests/support/micrometer_service.py, one real uvicorn)."""
    locustfile = readme_locustfile()
    imports = re.findall(r"^(?:from|import) (\S+)", locustfile, re.M)
    assert imports == ["slogate.locust"], imports
    project = tmp_path / "project"
    write_project(project)
    run_dir = tmp_path / "run"
    with running_items_service(tmp_path / "service.log") as url:
        result, summary = run_load(
            run_dir, "steady", "--host", url, "--duration", "3",
            "--loadtests", str(project / "loadtests"),
        )  # fmt: skip
        served = httpx.get(url + "/actuator/prometheus", timeout=5).text
    assert result.returncode == 0, explain(result, run_dir)
    assert summary is not None
    assert summary["completed"] == summary["scheduled"] == 180  # 60 req/s for 3 s
    assert summary["errors"] == 0
    for method, uri, status in (
        ("GET", "/api/items", "200"), ("GET", "/api/items/{item_id}", "200"),
        ("POST", "/api/items", "201"),
    ):  # fmt: skip
        labels = f'method="{method}",outcome="SUCCESS",status="{status}",uri="{uri}"'
        sample = rf"http_server_requests_seconds_count\{{{re.escape(labels)}\}} (\S+)"
        count = re.search(sample, served)
        assert count and float(count.group(1)) > 0, (labels, served)

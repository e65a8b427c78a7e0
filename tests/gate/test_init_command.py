"""`slogate init` writes a starter project for someone else's service from flags, refuses to
overwrite, validates what it wrote, and the gate it wrote runs: a real stack of the Micrometer-
named tiny service (tests/support/micrometer_service.py) PASSes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from slogate.slo.spec import load_spec
from tests.gate.conftest import Project
from tests.support.cli import REPO, run_cli

# the tiny service from a project folder outside the repository: uvicorn imports it from REPO
COMMAND = (
    f"{{python}} -m uvicorn --app-dir {REPO} tests.support.micrometer_service:app "
    "--host {host} --port {port} --no-access-log --log-level warning"
)
FLAGS = [
    "--command", COMMAND, "--health", "/actuator/health", "--metrics", "/actuator/prometheus",
    "--framework", "micrometer", "--route", "/api/items", "--route", "/api/items/7",
]  # fmt: skip
WRITTEN = ("slogate.yaml", "slo/items.yaml", "loadtests/locustfile.py", "loadtests/profiles.yaml")


def _init(folder: Path, *extra: str) -> tuple[int, str, str]:
    result = run_cli("init", *FLAGS, "--name", "items", "--dir", str(folder), *extra)
    return result.exit_code, result.stdout, result.stderr


def test_init_writes_a_validated_project_and_never_overwrites(tmp_path: Path) -> None:
    code, out, err = _init(tmp_path)
    assert code == 0, out + err
    for path in WRITTEN:
        assert f"wrote {tmp_path / path}" in out
    assert f"ok: {tmp_path / 'slogate.yaml'}" in out  # validate ran on it
    assert "baseline: availability: detects" in out and "warning" not in err
    metrics = load_spec(tmp_path / "slo" / "items.yaml").spec.metrics
    assert (metrics.requests, metrics.route_label, metrics.status_label) == (
        "http_server_requests_seconds_count", "uri", "status",
    )  # fmt: skip
    locustfile = (tmp_path / "loadtests" / "locustfile.py").read_text()
    assert "from slogate.locust import" in locustfile and "slogate.load" not in locustfile
    before = {path: (tmp_path / path).read_text() for path in WRITTEN}
    (tmp_path / "slogate.yaml").write_text("# mine\n")
    code, out, err = _init(tmp_path)
    assert code == 2, out + err
    for path in WRITTEN:
        assert str(tmp_path / path) in err
    assert (tmp_path / "slogate.yaml").read_text() == "# mine\n"
    assert all((tmp_path / p).read_text() == before[p] for p in WRITTEN[1:])


# flags replaced -> what stderr says (exit 2, nothing written)
BAD = {
    "no port": (["--command", "python app.py"], "--command: the service must learn its port"),
    "a relative health path": (["--health", "health"], "--health 'health': a URL path"),
    "a route outside the API": (["--route", "/other"], "--route '/other': a path under"),
    "an unknown framework": (["--framework", "rails"], "'rails' is not one of"),
    "a bad name": (["--name", "My Service"], "--name 'My Service'"),
    "unbalanced quotes": (["--command", "app '--port {port}"], "--command"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(BAD))
def test_init_refuses_bad_flags_with_exit_2_writing_nothing(name: str, tmp_path: Path) -> None:
    replaced, said = BAD[name]
    flags = [*FLAGS, "--name", "items"]
    for flag, value in zip(replaced[::2], replaced[1::2], strict=True):
        if flag in flags and flag != "--route":
            flags[flags.index(flag) + 1] = value
        else:
            flags += [flag, value]
    result = run_cli("init", *flags, "--dir", str(tmp_path))
    assert result.exit_code == 2, result.stdout + result.stderr
    assert said in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
@pytest.mark.xdist_group("own-service-gate")
def test_the_gate_init_wrote_passes_the_service(tmp_path: Path) -> None:
    folder = tmp_path / "project"
    code, out, err = _init(folder, "--rate", "60", "--availability", "0.99")
    assert code == 0, out + err
    project = Project(folder, tmp_path / "home", tmp_path / "reports")
    done = project.run("smoke", timeout=240)
    assert done.returncode == 0, done.stdout
    verdicts = {
        (r["objective"], r["place"]): r["verdict"]
        for phase in project.report()["phases"]
        for r in phase["results"]
    }
    assert len(verdicts) == 5 and set(verdicts.values()) == {"PASS"}, verdicts

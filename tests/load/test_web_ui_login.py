"""`slogate load --ui` beyond loopback: Locust's login page, checked against the credentials
file; `--run-time` ends the session on its own with the verdict's exit code and its report.

Against a real target_service without a stack (no Prometheus), so the verdicts are
INCONCLUSIVE (exit 3) and say why; the SLO tab's verdicts against a stack are checked in
test_web_ui_slo_tab.py.
"""

from __future__ import annotations

import json
import stat
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.load.support import REPO_ROOT, SLOGATE, slogate_env
from tests.support.cli import close_pipes, stop_slogate
from tests.support.waiting import free_port

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("load-live")]


def test_a_login_guards_the_ui_off_loopback_and_run_time_ends_the_session(seeded_target, tmp_path):
    credentials = tmp_path / "credentials"
    credentials.write_text("ops:s3cret\n")
    credentials.chmod(0o600)
    port = free_port()
    run_dir = tmp_path / "session"
    process = subprocess.Popen(
        [*SLOGATE, "load", "smoke", "--ui", "--host", seeded_target.url, "--web-host", "0.0.0.0",
         "--web-port", str(port), "--web-login", "--web-credentials", str(credentials),
         "--run-time", "10s", "--run-dir", str(run_dir)],
        cwd=REPO_ROOT, env=slogate_env(tmp_path / "home"), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line == f"Locust web UI: http://127.0.0.1:{port}/\n", line
        url = f"http://127.0.0.1:{port}/"
        with httpx.Client(base_url=url, timeout=10) as browser:
            for path in ("/", "/stats/requests", "/slogate/finish"):
                answer = browser.get(path)
                assert answer.status_code == 302, (path, answer.status_code)
                assert "/login" in answer.headers["location"]
            wrong = browser.post("/login_submit", data={"username": "ops", "password": "nope"})
            assert "/login" in wrong.headers["location"]
            assert browser.get("/").status_code == 302
            right = browser.post("/login_submit", data={"username": "ops", "password": "s3cret"})
            assert right.headers["location"] == "/"
            assert browser.get("/").status_code == 200
            assert browser.get("/slogate/finish").status_code == 200
        # nobody finished it: --run-time ends it, with the verdict's exit code
        assert process.wait(timeout=60) == 3
        output = process.stdout.read()
        assert f"report: {run_dir / 'report.html'}" in output
        assert "exit code 3 (INCONCLUSIVE)" in output
    finally:
        stop_slogate(process)
        close_pipes(process)
    report = json.loads((run_dir / "report.json").read_text())
    assert (report["status"], report["exit_code"]) == ("complete", 3)
    assert report["config"]["intervals"] == []
    assert "no load ran in this session" in report["notes"]


def test_a_generated_password_stays_out_of_the_run_folder_and_goes_with_the_session(
    seeded_target, tmp_path
):
    """The run folder is what CI uploads: the generated password lives under SLOGATE_HOME in a
    0700 folder while the session runs, and is deleted when it ends."""
    port = free_port()
    run_dir = tmp_path / "session"
    home = tmp_path / "home"
    process = subprocess.Popen(
        [*SLOGATE, "load", "smoke", "--ui", "--host", seeded_target.url, "--web-port", str(port),
         "--web-login", "--run-time", "3s", "--run-dir", str(run_dir)],
        cwd=REPO_ROOT, env=slogate_env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        said = process.stdout.readline()
        prefix = "web login: user slogate, password in "
        assert said.startswith(prefix), said
        credentials = Path(said.removeprefix(prefix).split(" (")[0])
        assert credentials.parent == home / "web-logins" / "session"
        assert stat.S_IMODE(credentials.parent.stat().st_mode) == 0o700
        assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
        user, _, password = credentials.read_text().strip().partition(":")
        assert process.stdout.readline() == f"Locust web UI: http://127.0.0.1:{port}/\n"
        with httpx.Client(base_url=f"http://127.0.0.1:{port}/", timeout=10) as browser:
            right = browser.post("/login_submit", data={"username": user, "password": password})
            assert right.headers["location"] == "/"
        assert process.wait(timeout=60) == 3
    finally:
        stop_slogate(process)
        close_pipes(process)
    assert not credentials.parent.exists()
    leaked = [p for p in run_dir.rglob("*") if p.is_file() and password in p.read_text("latin-1")]
    assert leaked == []

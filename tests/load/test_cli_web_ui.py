"""`slogate load --ui` refuses bad web UI options with exit 2 before Locust starts: an address
beyond loopback without a login, a credentials file others can read or that is not
user:password, options that need --ui, a bad --run-time, a missing SLO file, a taken port.
In-process (run_cli fails a test whose command imports gevent, i.e. started Locust)."""

from __future__ import annotations

import socket
import stat
from pathlib import Path

import pytest

from slogate.load.web_access import check_credentials, generated_credentials, is_loopback
from tests.support.cli import REPO, Result, run_cli

UNREACHABLE = "http://127.0.0.1:9"


def _load(run_dir: Path, *args: str) -> Result:
    return run_cli(
        "load", "smoke", "--host", UNREACHABLE, *args, "--run-dir", str(run_dir),
        env={"SLOGATE_HOME": str(run_dir / "home")}, cwd=REPO,
    )  # fmt: skip


def _credentials(tmp_path: Path, text: str, mode: int) -> str:
    path = tmp_path / "credentials"
    path.write_text(text)
    path.chmod(mode)
    return str(path)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ui", "--web-host", "0.0.0.0"], "--web-host 0.0.0.0 is reachable beyond this machine"),
        (["--ui", "--web-host", "*"], "add --web-login (a login page"),
        (["--ui", "--web-host", "10.1.2.3"], "or bind --web-host 127.0.0.1"),
        (["--web-port", "8089"], "--web-port only apply to the web UI: add --ui"),
        (["--web-login", "--run-time", "1m"], "--web-login, --run-time only apply to the web UI"),
        (["--ui", "--run-time", "soon"], "--run-time: 'soon' is not a duration like 500ms"),
        (["--ui", "--slo", "slo/absent.yaml"], "slo/absent.yaml"),
    ],
)
def test_bad_web_ui_options_exit_2(tmp_path, args, message):
    result = _load(tmp_path, *args)
    assert result.exit_code == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "session.json").exists()


def test_credentials_others_can_read_are_refused(tmp_path):
    path = _credentials(tmp_path, "ops:s3cret\n", 0o644)
    result = _load(tmp_path, "--ui", "--web-login", "--web-credentials", path)
    assert result.exit_code == 2
    assert f"{path}: readable by others (mode 644): chmod 600 it" in result.stderr


@pytest.mark.parametrize("text", ["ops\n", ":s3cret\n", "ops:\n", "ops:a\nmore:b\n"])
def test_credentials_must_be_one_user_password_line(tmp_path, text):
    path = _credentials(tmp_path, text, 0o600)
    result = _load(tmp_path, "--ui", "--web-login", "--web-credentials", path)
    assert result.exit_code == 2
    assert f"{path}: one line user:password (both non-empty)" in result.stderr


def test_credentials_need_the_login_page(tmp_path):
    path = _credentials(tmp_path, "ops:s3cret\n", 0o600)
    result = _load(tmp_path, "--ui", "--web-credentials", path)
    assert result.exit_code == 2
    assert "--web-credentials is the login of --web-login: add --web-login" in result.stderr


def test_a_taken_web_port_is_refused(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _load(tmp_path, "--ui", "--web-port", str(port))
    assert result.exit_code == 2
    assert f"port {port} pinned for the web UI (--web-port) is already in use" in result.stderr


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.1.2.3", True), ("::1", True), ("[::1]", True),
     ("localhost", True), ("", False), ("*", False), ("0.0.0.0", False), ("::", False),
     ("192.168.1.5", False), ("ui.example.com", False)],
)  # fmt: skip
def test_what_counts_as_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_a_generated_login_is_readable_by_its_owner_only(tmp_path):
    path, user = generated_credentials(tmp_path / "run")
    assert user == "slogate"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert check_credentials(path) == path  # what --web-credentials would accept
    name, _, password = path.read_text().strip().partition(":")
    assert name == "slogate" and len(password) >= 24
    again, _ = generated_credentials(tmp_path / "run")
    assert again.read_text() != f"{name}:{password}\n"  # a fresh one per session

"""Who may reach the web UI: loopback by default; any other address only behind Locust's login
page, checked against a `user:password` file only its owner can read (pure checks, exit 2).
A generated password lives in a 0700 folder outside the run folder (which CI uploads) and is
deleted when the session ends."""

from __future__ import annotations

import ipaddress
import secrets
import shutil
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from slogate.errors import ConfigError, UsageError

GENERATED_USER = "slogate"
CREDENTIALS_FILE = "web-credentials"


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or `localhost`; "", `*` and 0.0.0.0 mean every interface."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def require_login_beyond_loopback(host: str, login: bool) -> None:
    if not is_loopback(host) and not login:
        raise UsageError(
            f"--web-host {host or '(all interfaces)'} is reachable beyond this machine, where "
            "anyone could start load: add --web-login (a login page; --web-credentials FILE "
            "with user:password, or a generated password), or bind --web-host 127.0.0.1"
        )


def check_credentials(path: Path) -> Path:
    """`path` holds `user:password` and only its owner can read it; else exit 2 naming why."""
    try:
        mode = path.stat().st_mode
        text = path.read_text().strip()
    except OSError as error:
        raise ConfigError(str(path), "", f"cannot be read ({error.strerror})") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            str(path), "", f"readable by others (mode {stat.S_IMODE(mode):o}): chmod 600 it"
        )
    user, colon, password = text.partition(":")
    if not colon or not user or not password or "\n" in text:
        raise ConfigError(str(path), "", "one line user:password (both non-empty)")
    return path


def generated_credentials(folder: Path) -> tuple[Path, str]:
    """A fresh password for user `slogate` in `folder/web-credentials` (folder 0700, file 0600)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    path = folder / CREDENTIALS_FILE
    path.unlink(missing_ok=True)
    path.touch(mode=0o600)
    path.write_text(f"{GENERATED_USER}:{secrets.token_urlsafe(18)}\n")
    return path, GENERATED_USER


@contextmanager
def generated_login(logins: Path, run_id: str) -> Iterator[tuple[Path, str]]:
    """generated_credentials in `logins/<run_id>/` (e.g. under SLOGATE_HOME, never the run
    folder), removed with its folder when the session ends (also on Ctrl-C)."""
    logins.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder = logins / run_id
    try:
        yield generated_credentials(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

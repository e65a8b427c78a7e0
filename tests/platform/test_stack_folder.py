"""A stack's folder is its owner's only (0700), also one an older slogate left 0755; its
secrets are 0600 and stay the same across `up`s."""

from __future__ import annotations

import stat
from pathlib import Path

from slogate.platform.stack_secrets import (
    ADMIN_TOKEN,
    REDIS_PASSWORD,
    ensure_secret,
    read_secret,
    secret_path,
)
from slogate.platform.state import ensure_stack_dir, stack_dir
from tests.support.cli import slogate_home


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_and_an_old_stack_folder_end_up_0700(tmp_path: Path) -> None:
    with slogate_home(tmp_path):
        fresh = ensure_stack_dir("fresh")
        old = stack_dir("old")
        old.mkdir(parents=True, mode=0o755)
        old.chmod(0o755)
        ensure_stack_dir("old")
    assert (_mode(fresh), _mode(old)) == (0o700, 0o700)


def test_secrets_are_private_random_and_kept(tmp_path: Path) -> None:
    with slogate_home(tmp_path):
        token, password = ensure_secret("s", ADMIN_TOKEN), ensure_secret("s", REDIS_PASSWORD)
        assert token != password and len(token) >= 32 and len(password) >= 32
        assert ensure_secret("s", REDIS_PASSWORD) == read_secret("s", REDIS_PASSWORD) == password
        modes = [_mode(secret_path("s", name)) for name in (ADMIN_TOKEN, REDIS_PASSWORD)]
    assert modes == [0o600, 0o600]
    assert _mode(tmp_path / "stacks" / "s") == 0o700

"""Where a command will write, checked before anything starts (bad input: exit 2).

An unwritable `--reports-dir` or `--json` path found only after a 40 s run would lose the
run's results; these checks make it a usage error up front, naming the option and the fix.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from slogate.errors import UsageError


def _cannot_write(folder: Path) -> str | None:
    """Why files cannot be written in `folder` (created if missing), or None."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".slogate-write-check-"):
            pass
    except OSError as error:
        return str(error.strerror or error)
    return None


def require_writable_folder(folder: Path, option: str) -> Path:
    """`folder`, created if missing, in which files can be written; UsageError otherwise."""
    why = _cannot_write(folder)
    if why is not None:
        raise UsageError(
            f"{option} {folder}: cannot write there ({why}); pick a folder you can write to"
        )
    return folder


def require_writable_file(path: Path, option: str) -> Path:
    """`path` can be created or replaced (its folder is created if missing)."""
    if path.is_dir():
        raise UsageError(f"{option} {path}: is a folder; give a file name")
    why = _cannot_write(path.parent)
    if why is None and path.exists() and not os.access(path, os.W_OK):
        why = "the file is read-only"
    if why is not None:
        raise UsageError(f"{option} {path}: cannot write it ({why}); pick another path")
    return path

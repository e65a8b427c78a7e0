"""Where a command will write, checked before anything starts (bad input: exit 2).

An unwritable `--reports-dir` or `--json` path found only after a 40 s run would lose the
run's results; these checks make it a usage error up front, naming the option and the fix.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from slogate.errors import UsageError


def require_writable_folder(folder: Path, option: str) -> Path:
    """`folder`, created if missing, in which files can be written; UsageError otherwise."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".slogate-write-check-"):
            pass
    except OSError as error:
        raise UsageError(
            f"{option} {folder}: cannot write there ({error.strerror or error}); "
            "pick a folder you can write to"
        ) from None
    return folder


def require_writable_file(path: Path, option: str) -> Path:
    """`path` can be created or replaced (its folder is created if missing)."""
    if path.is_dir():
        raise UsageError(f"{option} {path}: is a folder; give a file name")
    require_writable_folder(path.parent if str(path.parent) else Path("."), option)
    if path.exists() and not os.access(path, os.W_OK):
        raise UsageError(f"{option} {path}: the file is not writable; pick another path")
    return path

"""Small files slogate writes and reads back whole: state, records, reports, status.

`write_atomically` writes a temporary file in the same folder, then renames it over the
target, so a reader (another command, a killed run's successor) sees the old file or the whole
new one, never half of one. The file gets the mode any new file gets (0666 less the umask:
0644 under the usual 022), not mkstemp's private 0600; a private file lives in a private folder
(a stack's folder is 0700). `read_model` reads such a file back into its pydantic model.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from slogate.errors import ConfigError

Model = TypeVar("Model", bound=BaseModel)


def _new_file_mode() -> int:
    """The mode `open()` gives a new file: 0666 less the umask (read from /proc, because
    os.umask can only be read by setting it, which races with other threads)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o644


def write_atomically(path: Path, text: str, *, durable: bool = True) -> None:
    """Write `text` to `path` so that readers see the old file or the whole new one.

    `durable` fsyncs before the rename (the file survives a crash of the machine); the load
    generator's once-a-second status files skip it, because an fsync on a busy disk would
    stall its event loop and show up as latency."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(handle, _new_file_mode())
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_model(path: Path, model: type[Model], fix: str) -> Model | None:
    """The `model` in the JSON file `path`; None when there is no file. ConfigError naming
    the file, why it cannot be read and `fix` (what the user does about it) otherwise."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        return model.model_validate_json(data)
    except (ValueError, ValidationError) as error:
        raise ConfigError(str(path), "", f"unreadable ({error}); {fix}") from error

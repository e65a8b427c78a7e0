"""Reading the YAML files users edit (slogate.yaml, SLO files, load profiles, experiments).

One reader, so every file fails the same way: a ConfigError naming the file and, for a syntax
error, the line and column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from slogate.errors import ConfigError


def read_yaml(path: str | Path) -> Any:
    """The parsed document at `path` (None for an empty file); ConfigError when the file cannot
    be read or is not valid YAML."""
    where = str(path)
    try:
        text = Path(path).read_text()
    except OSError as error:
        raise ConfigError(where, "", f"cannot read the file ({error.strerror})") from None
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        at = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(where, at, f"not valid YAML: {error.problem}") from None
    except yaml.YAMLError as error:
        raise ConfigError(where, "", f"not valid YAML ({error})") from None

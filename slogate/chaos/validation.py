"""An experiment file checked before anything starts: Chaos Toolkit's own validation, then the
arguments of slogate's activities against their functions' types.

Chaos Toolkit checks the structure (title, description, a method, activities whose module and
function exist and whose argument names fit the function) but not argument types, so
`ttl_s: "ten"` would only fail once the stack is up and the load has run. Every problem is a
ConfigError (exit 2) naming the file, the activity's place and what was expected.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import re
import types
import typing
from pathlib import Path
from typing import Any

from chaoslib.exceptions import ChaosException
from chaoslib.experiment import ensure_experiment_is_valid

from slogate.errors import ConfigError
from slogate.yaml_files import read_yaml

OWN_MODULES = "slogate.chaos."
_CONFIGURED = re.compile(r"^\$\{[^}]+\}$")  # Chaos Toolkit substitutes these at run time
_SIMPLE = {float: "a number", int: "a whole number", str: "a string", bool: "true or false"}


def _activities(experiment: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(place, activity) for every activity of the hypothesis, the method and the rollbacks."""
    found: list[tuple[str, dict[str, Any]]] = []
    hypothesis = experiment.get("steady-state-hypothesis") or {}
    if isinstance(hypothesis, dict):
        for i, probe in enumerate(hypothesis.get("probes") or []):
            found.append((f"steady-state-hypothesis.probes[{i}]", probe))
    for section in ("method", "rollbacks"):
        for i, activity in enumerate(experiment.get(section) or []):
            found.append((f"{section}[{i}]", activity))
    return [(place, a) for place, a in found if isinstance(a, dict)]


def _allowed(hint: Any) -> tuple[type, ...] | None:
    """The simple types an annotation accepts (None: not checked here)."""
    if hint in _SIMPLE:
        return (hint,)
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        members = typing.get_args(hint)
        if all(m in _SIMPLE or m is type(None) for m in members):
            return members
    return None


def _fits(value: Any, allowed: tuple[type, ...]) -> bool:
    if value is None:
        return type(None) in allowed
    if isinstance(value, bool):
        return bool in allowed
    if isinstance(value, int) and float in allowed:
        return True
    return any(t is not type(None) and isinstance(value, t) for t in allowed)


def _argument_problems(place: str, activity: dict[str, Any]) -> list[str]:
    provider = activity.get("provider") or {}
    module_name = str(provider.get("module", ""))
    if provider.get("type") != "python" or not module_name.startswith(OWN_MODULES):
        return []
    function = getattr(importlib.import_module(module_name), str(provider.get("func")), None)
    if function is None:
        return []  # Chaos Toolkit's validation names a missing function
    hints = typing.get_type_hints(function)
    parameters = inspect.signature(function).parameters
    problems = []
    for name, value in (provider.get("arguments") or {}).items():
        if name not in parameters or name not in hints:
            continue
        allowed = _allowed(hints[name])
        if allowed is None or (isinstance(value, str) and _CONFIGURED.match(value)):
            continue
        if not _fits(value, allowed):
            expected = " or ".join(_SIMPLE.get(t, "null") for t in allowed)
            problems.append(
                f"{place}.provider.arguments.{name}: expected {expected}, got {value!r}"
            )
    return problems


def validate_experiment(path: Path) -> dict[str, Any]:
    """The experiment, checked (ConfigError naming the file and the field otherwise)."""
    document = read_yaml(path)
    if not isinstance(document, dict):
        raise ConfigError(str(path), "", "a Chaos Toolkit experiment (a mapping)")
    quiet = logging.getLogger("chaostoolkit")
    level, quiet.level = quiet.level, logging.CRITICAL
    try:
        ensure_experiment_is_valid(document)
    except ChaosException as error:
        raise ConfigError(str(path), "", f"not a valid Chaos Toolkit experiment: {error}") from None
    finally:
        quiet.level = level
    problems = [p for place, a in _activities(document) for p in _argument_problems(place, a)]
    if problems:
        raise ConfigError(str(path), "", "; ".join(problems))
    return document

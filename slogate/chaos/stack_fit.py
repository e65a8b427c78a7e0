"""Before an experiment starts on a running stack: can the stack carry out each of its
slogate activities? (A Chaos Mesh NetworkChaos needs Chaos Mesh in the cluster; the local
platform has none.) Asked once the stack exists, because only the stack knows: a problem is a
ConfigError (exit 2) naming the experiment file, the activity and the fix, before any fault
is recorded or applied.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chaoslib.exceptions import ActivityFailed

from slogate.chaos.backends import backend_for
from slogate.chaos.fault_modes import ACTIONS_MODULE
from slogate.chaos.target import RUN_ID_KEY, STACK_KEY
from slogate.errors import ConfigError, UsageError


def check_stack_can_run(experiment: dict[str, Any], path: Path, stack: str, run_id: str) -> None:
    """ConfigError for the first activity of `experiment` the stack cannot carry out."""
    wanted = [
        (f"{section}[{index}] ({activity.get('name', '?')})", str(provider.get("func")))
        for section in ("method", "rollbacks")
        for index, activity in enumerate(experiment.get(section) or [])
        if isinstance(activity, dict)
        and (provider := activity.get("provider") or {}).get("module") == ACTIONS_MODULE
    ]
    if not wanted:
        return
    try:
        backend = backend_for({STACK_KEY: stack, RUN_ID_KEY: run_id})
        for place, func in wanted:
            problem = backend.cannot_run(func)
            if problem is not None:
                raise ConfigError(str(path), place, problem)
    except ActivityFailed as error:
        raise UsageError(f"stack {stack!r}: {error}") from None

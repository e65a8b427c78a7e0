"""The chaos backend of a stack: how an activity reaches the platform the stack runs on.

Each platform implements `slogate.platform.base.ChaosBackend` (the local one: the supervisor's
control API and the target's /admin/faults hooks). A backend records every fault in the
stack's ledger: `intent` before it applies it, `applied` (with the injector's id) after,
`failed` when applying it went wrong. The activity modules (actions.py, probes.py) only pick
the backend; rollback.py removes faults from the ledger's Rollback descriptors alone.
"""

from __future__ import annotations

from typing import Any

from chaoslib.exceptions import ActivityFailed

from slogate.chaos.target import ChaosTarget
from slogate.errors import SlogateError
from slogate.platform.base import ChaosBackend
from slogate.platform.registry import platform_for

__all__ = ["backend_for"]


def backend_for(configuration: dict[str, Any] | None) -> ChaosBackend:
    """The backend of the stack named in the configuration."""
    target = ChaosTarget.of(configuration)
    state = target.state()
    try:
        platform = platform_for(state.platform)
    except SlogateError as error:
        raise ActivityFailed(f"stack {target.stack!r}: {error}") from None
    return platform.chaos_backend(state, target.ledger(), target.run_id, target.experiment)

"""Which platform serves a stack: keyed by `platform:` in slogate.yaml and the state file.

The only module outside a platform's folder that imports it. Implementations are imported
when first asked for, so a command that needs none pays nothing.
"""

from __future__ import annotations

from slogate.errors import ConfigError, UsageError
from slogate.platform.base import Platform
from slogate.platform.state import load_state

PLATFORMS = ("local",)
DEFAULT_PLATFORM = "local"
# a ledger fault's Rollback.via -> the platform that can remove it
_VIAS = {"target_fault": "local", "supervisor_fault": "local"}


def platform_for(name: str) -> Platform:
    """The platform called `name` (UsageError naming the known ones otherwise)."""
    if name == "local":
        from slogate.platform.local.platform import LocalPlatform

        return LocalPlatform()
    known = ", ".join(PLATFORMS)
    raise UsageError(
        f"platform {name!r} is not known (known: {known}); set `platform:` in slogate.yaml"
    )


def platform_of_stack(stack: str) -> Platform:
    """The platform of a stack that is up (the default one when it is not, or when its state
    file cannot be read)."""
    try:
        state = load_state(stack)
    except ConfigError:
        state = None
    return platform_for(state.platform if state is not None else DEFAULT_PLATFORM)


def platform_for_via(via: str) -> Platform | None:
    """The platform that removes faults recorded with `via` (None: no platform here can)."""
    name = _VIAS.get(via)
    return None if name is None else platform_for(name)

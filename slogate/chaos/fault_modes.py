"""Which experiment actions a stack's fault mode can carry out, checked before anything starts.

    faults: hooks      latency and errors through the service's /admin/faults; no partition
                       (partition_replicas needs a fault proxy)
    faults: toxiproxy  latency and errors as Toxiproxy toxics, partitions as disabled proxies;
                       the service has no fault hooks, so an `http` activity calling
                       /admin/faults (e.g. a readiness_off fault) cannot work. Local platform
                       only: Kubernetes has no Toxiproxy in front of its pods.

Each problem is a ConfigError (exit 2) naming the experiment file, the activity and the fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from slogate.errors import ConfigError

ACTIONS_MODULE = "slogate.chaos.actions"
NEEDS_FAULT_PROXY = {"partition_replicas"}
HOOKS_PATH = "/admin/faults"


def check_fault_mode(faults: str, platform: str, where: str) -> None:
    """ConfigError when the fault mode cannot run on `platform` (`where`: the config file)."""
    if faults == "toxiproxy" and platform != "local":
        raise ConfigError(
            where, "faults",
            f"toxiproxy runs only on the local platform, not on `platform: {platform}`: "
            "remove `faults: toxiproxy` (Kubernetes injects through the service's fault hooks)",
        )  # fmt: skip


def check_actions_fit(experiment: dict[str, Any], path: Path, faults: str) -> None:
    """ConfigError for the first activity of `experiment` the fault mode cannot carry out."""
    for section in ("method", "rollbacks"):
        for index, activity in enumerate(experiment.get(section) or []):
            if not isinstance(activity, dict):
                continue
            problem = _problem(activity.get("provider") or {}, faults)
            if problem is not None:
                name = activity.get("name", "?")
                raise ConfigError(str(path), f"{section}[{index}] ({name})", problem)


def _problem(provider: dict[str, Any], faults: str) -> str | None:
    func = provider.get("func")
    if faults == "hooks" and provider.get("module") == ACTIONS_MODULE and func in NEEDS_FAULT_PROXY:
        return (
            f"{func} needs the fault proxy: set `faults: toxiproxy` in slogate.yaml (local "
            "platform), or drop the action"
        )
    calls_hooks = provider.get("type") == "http" and HOOKS_PATH in str(provider.get("url", ""))
    if faults == "toxiproxy" and calls_hooks:
        return (
            f"calls the service's fault hooks ({HOOKS_PATH}), which a stack with `faults: "
            "toxiproxy` does not have: use slogate.chaos.actions inject_latency, "
            "inject_errors or partition_replicas, or set `faults: hooks`"
        )
    return None

"""Chaos Toolkit experiments the tests write inline, built the way the shipped ones are
(experiments/*.yaml): slogate's `configuration` block (stack and run id from the environment
`slogate run` and `slogate chaos` set) and activities calling `slogate.chaos.actions`."""

from __future__ import annotations

from typing import Any

# what every shipped experiment declares: `slogate chaos`/`slogate run` set both variables
SLOGATE_CONFIGURATION: dict[str, Any] = {
    "slogate_stack": {"type": "env", "key": "SLOGATE_STACK", "default": "default"},
    "slogate_run_id": {"type": "env", "key": "SLOGATE_RUN_ID", "default": "manual"},
}


def slogate_action(
    name: str, func: str, pause_after_s: float | None = None, **arguments: Any
) -> dict[str, Any]:
    """An action calling `slogate.chaos.actions.<func>(**arguments)`, paused after if asked."""
    provider: dict[str, Any] = {"type": "python", "module": "slogate.chaos.actions", "func": func}
    if arguments:
        provider["arguments"] = arguments
    action: dict[str, Any] = {"type": "action", "name": name, "provider": provider}
    if pause_after_s is not None:
        action["pauses"] = {"after": pause_after_s}
    return action


CLEAR_FAULTS = slogate_action("clear-faults", "clear_faults")


def experiment(
    title: str,
    description: str,
    method: list[dict[str, Any]],
    rollbacks: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """An experiment with slogate's configuration block (no rollbacks unless given)."""
    document: dict[str, Any] = {
        "version": "1.0.0",
        "title": title,
        "description": description,
        "configuration": SLOGATE_CONFIGURATION,
        "method": method,
    }
    if rollbacks:
        document["rollbacks"] = rollbacks
    return document

"""What a gate reports while it runs. The gate calls these methods; the face draws them
(`slogate.cli.gate_progress.LiveGateProgress` on a terminal or in a CI log)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from slogate.load.status import LoadStatus
from slogate.platform.base import StackEvent


class GateProgress(Protocol):
    """Receives a gate's progress: phases, messages, stack events and load statuses."""

    def plan(self, load_s: float, estimates: Mapping[str, float]) -> None:
        """The load's planned length and the other stages' expected lengths (for the ETA)."""

    def enter(self, phase: str) -> None:
        """The gate entered `phase` (pre-flight, set-up, warm-up, baseline, fault:X, ...)."""

    def say(self, message: str) -> None:
        """A message that stays (a phase change, a warning)."""

    def stack_event(self, event: StackEvent) -> None:
        """A start-up event of the stack."""

    def load_status(self, status: LoadStatus, total_s: float, faults: list[str]) -> None:
        """The load's latest status, the run's planned length and the faults now active."""

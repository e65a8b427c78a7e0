"""Which stack and run the chaos activities act on, read from Chaos Toolkit's configuration.

Every experiment declares these keys with environment defaults, so `chaos validate` passes
with nothing set and `slogate chaos` fills them in:

    configuration:
      slogate_stack: {type: env, key: SLOGATE_STACK, default: default}
      slogate_run_id: {type: env, key: SLOGATE_RUN_ID, default: manual}

`slogate run` also sets SLOGATE_EXPERIMENT_ID for each experiment it starts; the activities
read it from the environment (Chaos Toolkit runs them in its own process) and the ledger tags
the experiment's faults with it, so the gate matches faults to experiments by id.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from chaoslib.exceptions import ActivityFailed

from slogate.chaos.ledger import FaultLedger
from slogate.errors import SlogateError
from slogate.platform.state import StackState, require_state

STACK_KEY = "slogate_stack"
RUN_ID_KEY = "slogate_run_id"
STACK_ENV = "SLOGATE_STACK"
RUN_ID_ENV = "SLOGATE_RUN_ID"
# set by `slogate run` for each Chaos Toolkit child: the ledger tags that child's faults with it
EXPERIMENT_ENV = "SLOGATE_EXPERIMENT_ID"
DEFAULT_STACK = "default"
DEFAULT_RUN_ID = "manual"


@dataclass(frozen=True)
class ChaosTarget:
    """The stack an activity acts on and the run whose ledger entries it writes."""

    stack: str
    run_id: str
    experiment: str | None = None

    @classmethod
    def of(cls, configuration: dict[str, Any] | None) -> ChaosTarget:
        configuration = configuration or {}
        stack = str(configuration.get(STACK_KEY) or DEFAULT_STACK)
        run_id = str(configuration.get(RUN_ID_KEY) or DEFAULT_RUN_ID)
        experiment = os.environ.get(EXPERIMENT_ENV) or None
        return cls(stack=stack, run_id=run_id, experiment=experiment)

    def ledger(self) -> FaultLedger:
        try:
            return FaultLedger(self.stack)
        except SlogateError as error:
            raise ActivityFailed(f"configuration {STACK_KEY}: {error}") from None

    def state(self) -> StackState:
        """The stack's state file; ActivityFailed saying how to start the stack when absent."""
        try:
            return require_state(self.stack)
        except SlogateError as error:
            raise ActivityFailed(str(error)) from None

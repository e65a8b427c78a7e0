"""The stack `slogate capacity GATE` brings up for itself: the gate's stack settings (its
slogate.yaml, the gate's `replicas`), free ports, a name of its own, seeded like a gate's.

The same session a gate run uses (`Platform.gate_session`: this process supervises the
stack), brought down however the search ends: normally, on an error, on Ctrl-C or SIGTERM
(the first signal interrupts, later ones cannot cut the tear-down short). The stack's logs
are then kept in the results folder and its state folder removed, as after a gate run.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from slogate.config import SlogateConfig
from slogate.gate.history import keep_stack_history
from slogate.interrupts import InterruptSignals
from slogate.platform.base import SessionHooks, StackEvent
from slogate.platform.registry import platform_for
from slogate.platform.state import StackState


def own_stack_name() -> str:
    return f"capacity-{int(time.time())}-{os.getpid()}"


@contextmanager
def own_stack(
    config: SlogateConfig, stack: str, folder: Path, seed: bool, say: Callable[[str], None]
) -> Iterator[StackState]:
    """The stack up and seeded (when `seed` and the service has a seed command); always down."""
    platform = platform_for(config.platform)
    platform.preflight(config, stack)
    signals = InterruptSignals()

    def on_event(event: StackEvent) -> None:
        if event.phase == "ready" and event.part == "stack":
            say(f"stack {stack} ready after {event.t:.1f} s")

    hooks = SessionHooks(
        on_event=on_event, should_stop=signals.stop_requested,
        seed_log=folder / "seed.log" if seed else None,
    )  # fmt: skip
    session = platform.gate_session(config, stack, hooks)
    with signals.installed():
        try:
            state = session.up()
            session.samples_from()  # the search's first step is judged from its first sample
            yield state
        finally:
            with signals.shield():
                say(f"stack {stack}: tearing down")
                session.down()
                note = keep_stack_history(stack, folder, remove=True)
                if note:
                    say(note)

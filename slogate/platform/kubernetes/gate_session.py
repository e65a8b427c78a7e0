"""The stack of one gate run on a cluster: applied, forwarded, seeded, always brought down.

`up` is the platform's `up` with port-forwards that die with this process; a thread then
keeps them alive: a forward ends when the pod behind it goes away (a pod kill, a rolling
restart), and the thread starts it again on the same local port, so the load generator and
the SLO checks keep their URLs. The load starts once the target answers through its forward
(and after seeding, through Redis' forward; an attached stack is not seeded: its Redis
holds the deployed service's data); while its interpreter starts (held before its first
request), the session waits for the first samples of the Prometheus on this machine
(local_prometheus.py: about 5 s after its start). In a pod the Services are reached by cluster
DNS: there is no forward to keep, and that Prometheus runs in the pod beside the load
generator. `down` stops the thread, the forwards and that Prometheus, then deletes what `up`
created.
"""

from __future__ import annotations

import subprocess
import threading
import time
from typing import TYPE_CHECKING

from slogate.config import SlogateConfig
from slogate.host.children import LOAD_STOP_GRACE_S, stop_child
from slogate.platform.base import SessionHooks, StackEvent
from slogate.platform.kubernetes.local_prometheus import (
    LOCAL_PROMETHEUS,
    has_local_prometheus,
    wait_for_first_samples,
)
from slogate.platform.kubernetes.port_forward import Forwards
from slogate.platform.kubernetes.reach import redis_url
from slogate.platform.seeding import seed_stack
from slogate.platform.state import StackState

if TYPE_CHECKING:
    from slogate.platform.kubernetes.platform import KubernetesPlatform

REVIVE_POLL_S = 0.2
DOWN_TIMEOUT_S = 120.0


class _ForwardKeeper(threading.Thread):
    """Starts a forward that ended again (its children die when this thread ends)."""

    def __init__(self, forwards: Forwards) -> None:
        super().__init__(name="slogate-port-forwards", daemon=True)
        self.forwards = forwards
        self.done = threading.Event()

    def run(self) -> None:
        try:
            while not self.done.wait(REVIVE_POLL_S):
                self.forwards.revive()
        finally:
            self.forwards.stop()  # before this thread exits: what it revived dies with it


class KubernetesGateSession:
    """`up` (this process owns the forwards), `take_load`, `down` (idempotent)."""

    def __init__(
        self, platform: KubernetesPlatform, config: SlogateConfig, stack: str, hooks: SessionHooks
    ) -> None:
        self.platform = platform
        self.config = config
        self.stack = stack
        self.hooks = hooks
        self.load: subprocess.Popen[bytes] | None = None
        self.forwards: Forwards | None = None
        self.keeper: _ForwardKeeper | None = None
        self.brought_up = False

    def up(self) -> StackState:
        began = time.monotonic()
        hooks = self.hooks
        state, reached = self.platform.bring_up(
            self.config, self.stack, hooks.on_event, detached=False
        )
        self.brought_up = True
        if reached is not None:
            self.forwards = reached.forwards
            self.keeper = _ForwardKeeper(reached.forwards)
            self.keeper.start()
        if hooks.seed_log is not None and not self.config.kubernetes.attach:
            seed_stack(self.config, redis_url(state), hooks.seed_log)
        if hooks.start_load is not None and state.edge_url is not None:
            self.load = hooks.start_load(state.edge_url, state.client_metrics_port or 0)
        if has_local_prometheus(state):  # every stack with traffic
            wait_for_first_samples(state)
            elapsed = time.monotonic() - began
            hooks.on_event(StackEvent(part=LOCAL_PROMETHEUS, phase="ready", t=elapsed))
        return state

    def samples_from(self) -> float | None:
        """Not tracked here: the baseline starts at the end of the warm-up."""
        return None

    def take_load(self) -> subprocess.Popen[bytes] | None:
        load, self.load = self.load, None
        return load

    def down(self) -> None:
        load = self.take_load()
        if load is not None:
            stop_child(load, LOAD_STOP_GRACE_S)
        if self.keeper is not None:
            self.keeper.done.set()  # the keeper stops every forward, then ends
            self.keeper.join(timeout=30)
            self.keeper = None
        if self.forwards is not None:
            self.forwards.stop()
            self.forwards = None
        if self.brought_up:
            self.platform.down(self.stack, DOWN_TIMEOUT_S)
            self.brought_up = False

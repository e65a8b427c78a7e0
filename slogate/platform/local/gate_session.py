"""The stack of one gate run, owned by this process: up, supervised by a thread, always down.

The supervisor (restarts, process faults, its control API) needs its loop turned while the
gate runs load and chaos; a daemon thread turns it. That thread also stops every part before
it ends: the kernel sends a child its parent-death signal (SIGKILL for the supervisor's
children) when the *thread* that spawned it exits, so a replica the thread restarted must be
stopped (SIGTERM, drained) before the thread is gone.

Set-up work overlaps the stack's own start-up: Prometheus' first scrape comes about 5 s after
its start (its target-update throttle) while every other part is ready within about 3 s. In
that gap the session seeds the data set (the service's seed command, once Redis answers) and
starts the load generator (as soon as the stack's ports are chosen: its interpreter, imports,
Locust and the client metrics server take about as long as the stack's start-up), held before
its first request until the stack serves and is seeded. `up` does not wait for the throttle:
the load's warm-up runs while a thread awaits Prometheus' first sample from every target
(first_samples.py), and `samples_from` tells the gate when that was, so its baseline starts
at least one scrape later.
"""

from __future__ import annotations

import subprocess
import threading
import time

from slogate.config import SlogateConfig
from slogate.errors import InfrastructureError
from slogate.host.children import LOAD_STOP_GRACE_S, stop_child
from slogate.host.ports import HOST
from slogate.platform.base import SessionHooks, StackEvent
from slogate.platform.local.first_samples import FirstSamples
from slogate.platform.local.stack import LocalStack
from slogate.platform.seeding import Seeding
from slogate.platform.state import StackState

JOIN_MARGIN_S = 15.0


class _SupervisorLoop(threading.Thread):
    def __init__(self, stack: LocalStack) -> None:
        super().__init__(name="slogate-supervisor", daemon=True)
        self.stack = stack
        self.done = threading.Event()

    def run(self) -> None:
        try:
            while not self.done.is_set():
                self.stack.supervisor.tick(0.05)
        finally:
            # before this thread exits: what it restarted dies with it (PR_SET_PDEATHSIG)
            self.stack.supervisor.stop_all()


class LocalGateSession:
    """`up` (this process supervises the stack), `take_load`, `down` (idempotent)."""

    def __init__(self, config: SlogateConfig, stack: str, hooks: SessionHooks) -> None:
        self.on_event = hooks.on_event
        self.local = LocalStack(config, stack, progress=self._event, should_stop=hooks.should_stop)
        self.seeding = Seeding(config, hooks.seed_log) if hooks.seed_log is not None else None
        self.start_load = hooks.start_load
        self.warmup_s = hooks.warmup_s
        self.load: subprocess.Popen[bytes] | None = None
        self.loop: _SupervisorLoop | None = None
        self.first_samples: FirstSamples | None = None

    def _event(self, event: StackEvent) -> None:
        self.on_event(event)
        ports = self.local.ports
        if event.phase != "ready" or ports is None:
            return
        if event.part == "redis" and self.seeding is not None and self.local.redis_url:
            self.seeding.start(self.local.redis_url)
        elif event.part == "supervisor" and self.load is None and self.start_load is not None:
            # the first part up, once every port is chosen: the generator's interpreter, its
            # imports and Locust's start (about 3 s) overlap the whole stack's start-up
            self.load = self.start_load(f"http://{HOST}:{ports.edge}", ports.client_metrics)

    def up(self) -> StackState:
        """Start every part on free ports (unless pinned) and seed; cleans up when it fails.
        Returns once the stack serves; Prometheus' first samples are awaited beside."""
        started = time.monotonic()  # Prometheus is the second part started, right after this
        try:
            state = self.local.up(first_samples=False)
            self.first_samples = FirstSamples(
                self.local.sample_targets(),
                self.local.first_samples_timeout(),
                self.local.record_first_samples,
            )
            self.first_samples.start()
            self.loop = _SupervisorLoop(self.local)
            self.loop.start()
            if self.seeding is not None:
                self.seeding.wait()
            if self.start_load is not None:
                scrape_s = self.local.config.timings.scrape_interval_s
                self.first_samples.hold_until_due(started, scrape_s, self.warmup_s)
        except BaseException:
            self._stop_early_starts()
            raise
        return state

    def samples_from(self) -> float:
        """When Prometheus had a sample from every target (wall time; waits for it)."""
        if self.first_samples is None:
            raise InfrastructureError("the stack is not up: no Prometheus samples to wait for")
        return self.first_samples.result()

    def take_load(self) -> subprocess.Popen[bytes] | None:
        load, self.load = self.load, None
        return load

    def _stop_early_starts(self) -> None:
        """What was started here and not handed over (set-up failed or was interrupted)."""
        if self.seeding is not None:
            self.seeding.stop()
        load = self.take_load()
        if load is not None:
            stop_child(load, LOAD_STOP_GRACE_S)

    def down(self) -> None:
        if self.first_samples is not None:
            self.first_samples.cancel()
        self._stop_early_starts()
        if self.loop is not None:
            self.loop.done.set()  # the loop stops every part, then ends
            self.loop.join(timeout=self.local.config.timings.stop_timeout_s + JOIN_MARGIN_S)
            self.loop = None
        self.local.down()

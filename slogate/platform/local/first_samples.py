"""Prometheus' first samples from every target of a local stack, awaited beside the load.

Prometheus' target-update throttle puts its first scrape about 5 s after it starts, while the
rest of the stack is ready within about 3 s. A gate session holds the load only until the
samples are a warm-up away (`hold_until_due`): this waits on its own thread while the load
warms up, and the session hands the gate the moment every target had a sample; the gate's
baseline starts at least one scrape after it (gate/phases.py), so every judged window opens on
a real sample of every target.

The thread only asks Prometheus' HTTP API (each call with a timeout): the supervisor's loop,
on its own thread, keeps restarting and serving the stack's parts meanwhile.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from slogate.errors import InfrastructureError
from slogate.platform.prometheus_server import has_sample_from_every_target

POLL_S = 0.1
# Prometheus' target-update throttle: its first scrape comes about this long after it starts
# (ANCHORS.md; 5.6-5.9 s measured on a quiet machine, a sample from every target 6.0-6.1 s)
THROTTLE_S = 5.0


@dataclass(frozen=True)
class SampleTargets:
    """The targets a stack's Prometheus must have scraped: `up` ones with up=1, `any` ones
    with any sample (the client's port has no listener until the load generator starts)."""

    url: str
    up: frozenset[str]
    any: frozenset[str]
    log: str  # Prometheus' log, named when it never scrapes them all

    def sampled(self) -> bool:
        try:
            return has_sample_from_every_target(self.url, set(self.up), set(self.any))
        except (httpx.HTTPError, KeyError, ValueError):
            return False


class FirstSamples(threading.Thread):
    """Waits (up to `timeout` s) until every target has a sample; `at` is that wall time."""

    def __init__(
        self, targets: SampleTargets, timeout: float, on_sampled: Callable[[], None] = lambda: None
    ) -> None:
        super().__init__(name="slogate-first-samples", daemon=True)
        self.targets = targets
        self.timeout = timeout
        self.on_sampled = on_sampled  # called on this thread once they are
        self.cancelled = threading.Event()
        self.sampled = threading.Event()
        self.at: float | None = None

    def run(self) -> None:
        deadline = time.monotonic() + self.timeout
        while not self.cancelled.is_set() and time.monotonic() < deadline:
            if self.targets.sampled():
                self.at = time.time()
                self.sampled.set()
                self.on_sampled()
                return
            self.cancelled.wait(POLL_S)

    def hold_until_due(self, started: float, scrape_s: float, warmup_s: float) -> None:
        """Wait until the first samples, due about THROTTLE_S + two scrapes after Prometheus
        started (monotonic `started`), are at most `warmup_s` away, or have come: a load
        released then ends its warm-up about when its baseline may start (one scrape after
        every target's first sample), so the baseline keeps its planned length. Released
        earlier, the load's first seconds would be lost to the baseline (a gate planned with
        little margin came out INCONCLUSIVE on too few requests)."""
        due = started + THROTTLE_S + 2 * scrape_s - warmup_s
        self.sampled.wait(max(0.0, due - time.monotonic()))

    def result(self) -> float:
        """The wall time by which every target had a sample (waits for it); raises
        InfrastructureError when Prometheus did not scrape them all in time."""
        self.join()
        if self.at is None:
            missing = ", ".join(sorted(self.targets.up | self.targets.any))
            raise InfrastructureError(
                f"Prometheus had no sample from every target ({missing}) within "
                f"{self.timeout:g} s; see its log: {self.targets.log}"
            )
        return self.at

    def cancel(self) -> None:
        self.cancelled.set()
        self.join()

"""Long-lived worker greenlets that start one process's arrivals. IMPORTS GEVENT: only the
open model (inside the Locust process) imports this module.

Each worker loops: claim the next arrival from the feed (`slogate.load.arrival_feed`), sleep
until its intended time, start the request, record it, claim again. A request thus costs
one timer and no new greenlet (a dispatcher that slept for each arrival and spawned a
greenlet per request paid a timer, two extra switches and a greenlet each time). Workers are
added only when the last free one starts a request, up to the in-flight bound, so there are
about as many as requests in flight plus one; when all of them are busy the pool is full and
the arrivals due meanwhile are missed. `stop` ends the idle workers at once; busy ones end
after their request.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import gevent
import gevent.event
import gevent.pool
from gevent import Greenlet

from slogate.load.arrival_feed import ArrivalFeed, Claim

log = logging.getLogger("slogate.openmodel")

# A start may come up to this early rather than pay a loop switch per sub-millisecond sleep
# (at thousands of starts per second that switching alone would saturate the generator).
EARLY_START_S = 0.0005
# every this many claims the dispatcher lets the caller check on its monitor
TICK_EVERY = 1024


class Dispatcher:
    """Starts the feed's arrivals with at most `capacity` requests in flight."""

    def __init__(
        self,
        feed: ArrivalFeed,
        capacity: int,
        start: Callable[[Claim], None],
        tick: Callable[[], None] = lambda: None,
    ) -> None:
        self.feed = feed
        self.capacity = capacity
        self.start = start  # makes and records one request
        self.tick = tick
        self.workers = gevent.pool.Group()
        self.idle: set[Greenlet] = set()  # workers waiting for their arrival's time
        self.busy = 0  # workers inside a request
        self.claims = 0
        self.stopping = False
        self.scheduled = gevent.event.Event()  # every arrival started or missed

    def run(self, drain_timeout_s: float, on_scheduled: Callable[[], None]) -> None:
        """Start every arrival; call `on_scheduled` once the last one has started, then wait
        up to `drain_timeout_s` for the requests in flight."""
        self._add_worker()
        self.scheduled.wait()
        on_scheduled()
        self.workers.join(timeout=drain_timeout_s)
        self.workers.kill(block=True, timeout=2)

    def stop(self) -> None:
        """End the idle workers now and the busy ones after their request."""
        self.stopping = True
        for worker in list(self.idle):
            worker.kill(block=False)

    def sweep(self) -> None:
        """Count the arrivals already due while the pool is full as missed."""
        self.feed.skip_missed(time.perf_counter())

    def _add_worker(self) -> None:
        self.workers.spawn(self._work)

    def _work(self) -> None:
        feed = self.feed
        me = gevent.getcurrent()
        while not self.stopping:
            claim = feed.claim(time.perf_counter())
            if claim is None:
                self._check_scheduled()
                return
            self.claims += 1
            if self.claims % TICK_EVERY == 0:
                self.tick()
            delay = claim.intended - time.perf_counter()
            if delay > EARLY_START_S:
                self.idle.add(me)
                try:
                    gevent.sleep(delay - EARLY_START_S / 2)
                finally:
                    self.idle.discard(me)
            self.busy += 1
            if self.busy >= self.capacity:
                feed.pool_filled(time.perf_counter())
            elif self.busy == len(self.workers):
                self._add_worker()  # no free worker left for the next arrival
            self._check_scheduled()
            try:
                self.start(claim)
            except Exception:  # one request's failure must not end the worker (or the run)
                log.exception("an open-model request failed")
            finally:
                self.busy -= 1
                if feed.full_since is not None:
                    feed.pool_freed(time.perf_counter())

    def _check_scheduled(self) -> None:
        if self.feed.exhausted and not self.idle:
            self.scheduled.set()

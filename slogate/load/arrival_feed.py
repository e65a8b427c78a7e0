"""The arrivals of one Locust process, handed out in time order to whichever worker asks
next; pure (no gevent), so the open model's bookkeeping is tested without Locust.

The dispatcher (`slogate.load.dispatcher`) runs long-lived workers. A free worker claims the
next arrival and waits for its intended time itself; arrivals are fixed by the schedule,
never by when responses come back (no coordinated omission). The feed decides, per arrival:

- *missed*: every worker was busy with a request at its intended time (the in-flight pool was
  full). The pool reports when it fills (`pool_filled`) and when it frees a slot
  (`pool_freed`); an arrival due inside such a full span is skipped and counted, exactly as a
  start that found the pool full.
- *behind*: claimed more than `late_after_s` after its intended time while a worker was free,
  i.e. the process itself (its event loop) fell behind the schedule; it still starts, late,
  and its latency counts from its intended start.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from slogate.load.schedule import Arrival, ArrivalTime


@dataclass(slots=True)
class Claim:
    """An arrival a worker will start (not frozen: one is built per request, and a frozen
    dataclass's `__init__` costs three times as much)."""

    arrival: Arrival
    intended: float  # the clock's time of its intended start
    behind: bool  # claimed more than late_after_s after `intended`


class ArrivalFeed:
    """One process's share of the schedule, claimed in time order (see the module's text)."""

    def __init__(
        self,
        arrivals: Iterator[ArrivalTime],  # `iter_arrival_times`, or a worker's share of it
        origin: float,
        late_after_s: float,
        on_missed: Callable[[int, int], None],
    ) -> None:
        self._arrivals = arrivals
        self.origin = origin  # the clock's time of offset 0
        self.late_after_s = late_after_s
        self.on_missed = on_missed  # called with (stage, how many) for missed arrivals
        self.full_since: float | None = None  # the pool has been full since then
        self._full_spans: deque[tuple[float, float]] = deque()  # ended spans not yet passed
        self._next: ArrivalTime | None = None  # the next unclaimed arrival, once looked at
        self.exhausted = False
        self.reached = 0  # arrivals claimed or missed since the last `take_window`
        self.behind = 0  # ... of which claimed behind the schedule

    def pool_filled(self, now: float) -> None:
        """Every worker is now busy with a request."""
        if self.full_since is None:
            self.full_since = now

    def pool_freed(self, now: float) -> None:
        """A request ended: a worker is free again."""
        if self.full_since is not None:
            self._full_spans.append((self.full_since, now))
            self.full_since = None

    def claim(self, now: float) -> Claim | None:
        """The next arrival to start, skipping (as missed) those due while the pool was full;
        None once the schedule is over."""
        # At capacity each claim skips about ten missed arrivals: this loop is the load
        # generator's hottest, so it is written out (no call per arrival) and a run of missed
        # arrivals of one stage is counted with one call.
        spans = self._full_spans
        full_since = self.full_since
        origin = self.origin
        reached = missed = 0
        missed_stage = -1
        claim: Claim | None = None
        while True:
            arrival = self._next
            if arrival is not None:
                self._next = None
            elif self.exhausted:
                break
            else:
                arrival = next(self._arrivals, None)
                if arrival is None:
                    self.exhausted = True
                    break
            reached += 1
            index, offset_s, stage = arrival
            intended = origin + offset_s
            while spans and spans[0][1] <= intended:
                spans.popleft()  # arrivals come in time order: a span ended before is passed
            if (spans and spans[0][0] <= intended) or (
                full_since is not None and full_since <= intended <= now
            ):
                if stage != missed_stage:
                    if missed:
                        self.on_missed(missed_stage, missed)
                    missed_stage, missed = stage, 0
                missed += 1
                continue
            behind = now - intended > self.late_after_s
            self.behind += behind
            claim = Claim(Arrival(index, offset_s, stage), intended, behind)
            break
        if missed:
            self.on_missed(missed_stage, missed)
        self.reached += reached
        return claim

    def skip_missed(self, now: float) -> int:
        """While the pool is full nobody claims: count the arrivals already due in the full
        span as missed now (the monitor calls this, so the live counts do not wait for a
        slot to free). Returns how many."""
        skipped = 0
        while self.full_since is not None:
            arrival = self._peek()
            if arrival is None:
                break
            _, offset_s, stage = arrival
            if not self.full_since <= self.origin + offset_s <= now:
                break
            self._next = None
            self.reached += 1
            self.on_missed(stage, 1)
            skipped += 1
        return skipped

    def take_window(self) -> tuple[int, int]:
        """(arrivals reached, of which behind) since the last call; restarts both from 0."""
        window = self.reached, self.behind
        self.reached = self.behind = 0
        return window

    def _peek(self) -> ArrivalTime | None:
        if self._next is None and not self.exhausted:
            self._next = next(self._arrivals, None)
            self.exhausted = self._next is None
        return self._next

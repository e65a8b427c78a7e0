"""Is the load generator saturated? Judged once per window (about a second) from what the
generator itself sees; pure, no gevent, so it is tested without Locust.

A window is *bad* when the process used most of a core, when many starts came late, when the
dispatcher reached many arrivals late, or when the monitor that closes the window woke up late
(a monitor starved of the event loop is itself evidence that the loop is saturated). A window
that spans k seconds (the monitor woke k - 1 s late) counts as k bad or good seconds. The
generator is saturated while at least `SUSTAINED_SECONDS` of the last
`SUSTAINED_WINDOW_SECONDS` were bad.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

CPU_SATURATED_PERCENT = 90.0
LATE_SHARE_SATURATED = 0.2
# a monitor meant to wake every second that wakes this much later could not get the loop
MONITOR_LAG_SATURATED_S = 0.5
SUSTAINED_SECONDS = 3
SUSTAINED_WINDOW_SECONDS = 5


@dataclass(frozen=True)
class Window:
    """What one process saw since the last window closed."""

    elapsed_s: float  # wall time the window spans (about 1 s when the monitor is on time)
    cpu_percent: float
    starts: int
    late: int  # starts more than late_after_ms after their intended time
    arrivals: int  # arrivals the dispatcher reached (started or missed)
    behind: int  # ... of which it reached late while the in-flight pool had room
    interval_s: float = 1.0  # how often the monitor meant to wake

    @property
    def late_share(self) -> float:
        return self.late / self.starts if self.starts else 0.0

    @property
    def behind_share(self) -> float:
        return self.behind / self.arrivals if self.arrivals else 0.0

    @property
    def monitor_lag_s(self) -> float:
        return max(0.0, self.elapsed_s - self.interval_s)

    @property
    def seconds(self) -> int:
        return max(1, round(self.elapsed_s))

    @property
    def bad(self) -> bool:
        return (
            self.cpu_percent >= CPU_SATURATED_PERCENT
            or self.late_share > LATE_SHARE_SATURATED
            or self.behind_share > LATE_SHARE_SATURATED
            or self.monitor_lag_s > MONITOR_LAG_SATURATED_S
        )

    def describe(self) -> str:
        return (
            f"cpu {self.cpu_percent:.0f}%, late starts {self.late_share:.2f}, "
            f"dispatcher behind {self.behind_share:.2f}, monitor {self.monitor_lag_s:.2f} s late"
        )


@dataclass
class SaturationWatch:
    """The sliding judgement over the last few seconds."""

    recent: deque[bool] = field(default_factory=lambda: deque(maxlen=SUSTAINED_WINDOW_SECONDS))

    def close(self, window: Window) -> tuple[bool, int]:
        """(saturated now, saturated seconds to add) after `window`."""
        saturated_seconds = 0
        for _ in range(window.seconds):
            self.recent.append(window.bad)
            saturated_seconds += int(sum(self.recent) >= SUSTAINED_SECONDS)
        return sum(self.recent) >= SUSTAINED_SECONDS, saturated_seconds

"""A web UI session's files in the run folder (no gevent; both sides read and write them).

session.json    written by the SLO tab inside Locust: the intervals in which load ran
                (Start to Stop, or to the open model's last answer) and whether the
                session was finished from the UI
slo-live.json   written by `slogate load --ui`: the SLO tab's rows, refreshed every few
                seconds from Prometheus
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from slogate.load.run_files import write_json_atomically
from slogate.slo.evaluate import Window
from slogate.slo.union import WindowUnion, union_of

SESSION_JSON = "session.json"
LIVE_SLO_JSON = "slo-live.json"


class LoadInterval(BaseModel):
    """Load ran from `start` to `end` (unix seconds); `end` None while it runs."""

    start: float
    end: float | None = None


class Session(BaseModel):
    intervals: list[LoadInterval] = Field(default_factory=list)
    finished: bool = False  # the UI's "finish" action

    @property
    def running(self) -> bool:
        return bool(self.intervals) and self.intervals[-1].end is None

    def started(self, now: float) -> None:
        if not self.running:
            self.intervals.append(LoadInterval(start=now))

    def stopped(self, now: float) -> None:
        if self.running:
            self.intervals[-1].end = max(now, self.intervals[-1].start)

    def load_ran(self, now: float) -> WindowUnion | None:
        """The union of the intervals (one still running ends `now`); None before any load."""
        return union_of(
            Window(start=i.start, end=i.end if i.end is not None else now) for i in self.intervals
        )

    def counted(self, now: float, settle_s: float) -> WindowUnion | None:
        """The intervals, each extended by `settle_s` (until the next starts, at most `now`)
        so that the last requests' counts have reached Prometheus: the window of the counts."""
        starts = [i.start for i in self.intervals[1:]] + [now] if self.intervals else []
        return union_of(
            Window(start=i.start, end=min(i.end + settle_s, following, now))
            if i.end is not None
            else Window(start=i.start, end=now)
            for i, following in zip(self.intervals, starts, strict=True)
        )


def read_session(run_dir: Path) -> Session:
    """The session in `run_dir` (an empty one when there is none yet)."""
    try:
        return Session.model_validate_json((run_dir / SESSION_JSON).read_text())
    except (OSError, ValidationError):
        return Session()


def write_session(run_dir: Path, session: Session) -> None:
    write_json_atomically(run_dir, SESSION_JSON, session.model_dump())


def read_live_rows(run_dir: Path) -> list[dict[str, Any]]:
    """The SLO tab's rows (none when slogate has not written any yet)."""
    try:
        rows = json.loads((run_dir / LIVE_SLO_JSON).read_text()).get("rows", [])
    except (OSError, ValueError, AttributeError):
        return []
    return rows if isinstance(rows, list) else []


def write_live_rows(run_dir: Path, rows: list[dict[str, str]], updated_at: float) -> None:
    write_json_atomically(run_dir, LIVE_SLO_JSON, {"updated_at": updated_at, "rows": rows})

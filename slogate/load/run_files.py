"""The files the Locust process writes into the run folder: `status.json` every second and
`tally.json` at the end (pure functions over a Tally; no gevent); `read_tally` reads the
latter back in the engine (`slogate.load.status` reads the former)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slogate.host.files import write_atomically
from slogate.load.profiles import Profile
from slogate.load.schedule import expected_starts_by, rate_at
from slogate.load.status import STATUS_JSON, LoadStatus
from slogate.load.tally import Tally, TallyDocument, value_at_percentile

TALLY_JSON = "tally.json"


def write_json_atomically(folder: Path, name: str, document: Mapping[str, Any]) -> None:
    """Write `folder/name` so a reader never sees half a document (not fsynced: this runs in
    the load generator's event loop, every second)."""
    write_atomically(folder / name, json.dumps(document), durable=False)


def current_status(
    tally: Tally, profile: Profile | None, started_at: float | None, finished: bool
) -> LoadStatus:
    """Progress: elapsed, the schedule's rate and expected starts, counts, p95 (intended)."""
    elapsed = time.time() - started_at if started_at else 0.0
    stages = profile.resolved_stages() if profile else []
    completed = tally.total("completed")
    p95_us = value_at_percentile(tally.histogram("intended"), 95) if completed else None
    return LoadStatus(
        elapsed_s=elapsed,
        duration_s=sum(stage.duration_s for stage in stages),
        scheduled_rate=rate_at(stages, elapsed),
        expected_starts=expected_starts_by(stages, elapsed),
        starts=tally.total("starts"),
        missed=tally.total("missed"),
        late=tally.total("late"),
        completed=completed,
        errors=tally.total("errors"),
        p95_ms=p95_us / 1000 if p95_us is not None else None,
        saturated=tally.saturated_now,
        finished=finished,
    )


class TallyFileDocument(TallyDocument):
    """What `tally.json` holds: the merged tally and how the run ended."""

    complete: bool
    error: str | None
    started_at: float | None
    ended_at: float
    profile: dict[str, Any] | None  # the Profile as run
    workers: int


def tally_document(
    tally: Tally,
    profile: Profile | None,
    started_at: float | None,
    complete: bool,
    error: str | None,
    workers: int,
) -> TallyFileDocument:
    """The merged tally with what the engine needs to summarise it."""
    return TallyFileDocument(
        **tally.to_document(),
        complete=complete,
        error=error,
        started_at=started_at,
        ended_at=time.time(),
        profile=profile.model_dump() if profile else None,
        workers=workers,
    )


@dataclass
class TallyFile:
    """`tally.json` read back: the merged tally and how the run ended."""

    tally: Tally
    complete: bool = False
    error: str | None = None  # why the load generator stopped early
    started_at: float | None = None  # unix seconds of the first scheduled start
    ended_at: float | None = None


def read_tally(run_dir: Path) -> TallyFile | None:
    """The tally in `run_dir`; None when there is none (or only half of one)."""
    try:
        document = json.loads((run_dir / TALLY_JSON).read_text())
    except (OSError, ValueError):
        return None
    return TallyFile(
        Tally.from_document(document),
        complete=bool(document.get("complete")),
        error=document.get("error"),
        started_at=document.get("started_at"),
        ended_at=document.get("ended_at"),
    )


class RunFiles:
    """Writes `status.json` and `tally.json` into the run folder (nothing when there is none)."""

    def __init__(self, run_dir: str) -> None:
        self.folder = Path(run_dir) if run_dir else None

    def write_status(
        self, tally: Tally, profile: Profile | None, started_at: float | None, finished: bool
    ) -> None:
        if self.folder is not None:
            status = current_status(tally, profile, started_at, finished)
            write_json_atomically(self.folder, STATUS_JSON, status.model_dump())

    def write_tally(
        self,
        tally: Tally,
        profile: Profile | None,
        started_at: float | None,
        complete: bool,
        error: str | None,
        workers: int,
    ) -> None:
        if self.folder is not None:
            document = tally_document(tally, profile, started_at, complete, error, workers)
            write_json_atomically(self.folder, TALLY_JSON, document)

"""The load's progress snapshot, `status.json`: written every second by the Locust process,
read by `slogate load` (its progress line) and by the gate (its clock, progress and abort on
breach). One model for the writer and every reader; pydantic only (no gevent, no locust)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

STATUS_JSON = "status.json"


class LoadStatus(BaseModel):
    """Where the load stands: the schedule so far, the counts, p95 from intended start."""

    model_config = ConfigDict(frozen=True)

    elapsed_s: float = 0.0  # since the first scheduled start
    duration_s: float = 0.0  # the profile's whole schedule
    scheduled_rate: float = 0.0  # the schedule's rate now (0 after its end)
    expected_starts: float = 0.0  # starts the schedule intends by now
    starts: int = 0
    missed: int = 0
    late: int = 0
    completed: int = 0
    errors: int = 0
    p95_ms: float | None = None  # from intended start; None before the first answer
    saturated: bool = False  # the load generator cannot keep its schedule right now
    finished: bool = False


def read_status(load_dir: Path) -> tuple[LoadStatus, float] | None:
    """The status in `load_dir` and when it was written (mtime, unix seconds); None when there
    is none yet or it cannot be read."""
    path = load_dir / STATUS_JSON
    try:
        text = path.read_text()
        written = path.stat().st_mtime
        return LoadStatus.model_validate_json(text), written
    except (OSError, ValidationError):
        return None

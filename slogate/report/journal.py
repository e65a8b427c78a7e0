"""A Chaos Toolkit journal (journal.json) in brief, for the report.

Chaos Toolkit's exit code is not trusted (it exits 0 when the steady state was already broken
before the method ran); the journal is parsed instead.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from slogate.report.model import ActivityBrief, JournalBrief


def _timestamp(value: Any) -> float | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:  # chaostoolkit writes naive UTC timestamps
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _sequence(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _activity(item: Any) -> ActivityBrief:
    run = _mapping(item)
    activity = _mapping(run.get("activity"))
    error = run.get("exception")
    if isinstance(error, list):
        error = "".join(str(line) for line in error).strip().splitlines()[-1:] or None
        error = error[0] if error else None
    return ActivityBrief(
        name=str(activity.get("name", "?")),
        type=str(activity.get("type", "?")),
        status=str(run.get("status", "?")),
        start=_timestamp(run.get("start")),
        end=_timestamp(run.get("end")),
        error=str(error) if error else None,
    )


def _met(hypothesis: Any) -> bool | None:
    if not isinstance(hypothesis, dict):
        return None
    met = hypothesis.get("steady_state_met")
    return met if isinstance(met, bool) else None


def brief_journal(journal: dict[str, Any], path: str | None = None) -> JournalBrief:
    """The parts of a journal a reader of the report needs."""
    experiment = _mapping(journal.get("experiment"))
    runs = _sequence(journal.get("run"))
    rollbacks = _sequence(journal.get("rollbacks"))
    steady = _mapping(journal.get("steady_states"))
    return JournalBrief(
        title=str(experiment.get("title", "(untitled experiment)")),
        status=str(journal.get("status", "unknown")),
        deviated=bool(journal.get("deviated", False)),
        steady_state_met_before=_met(steady.get("before")),
        steady_state_met_after=_met(steady.get("after")),
        activities=[_activity(run) for run in runs],
        rollbacks=[_activity(run) for run in rollbacks],
        path=path,
    )


def read_journal(path: Path) -> JournalBrief:
    """brief_journal of a journal file; a missing or torn file is reported as such."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return JournalBrief(
            title=path.parent.name or str(path),
            status=f"no journal ({error.__class__.__name__}: {error})",
            deviated=False,
            path=str(path),
        )
    if not isinstance(data, dict):
        return JournalBrief(title=str(path), status="malformed journal", deviated=False)
    return brief_journal(data, str(path))

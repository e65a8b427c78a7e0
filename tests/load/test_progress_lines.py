"""The progress lines the face draws from a load status (`slogate load`, `slogate run`)."""

from __future__ import annotations

import io

from rich.console import Console

from slogate.cli import gate_progress, load_progress
from slogate.cli.gate_progress import LiveGateProgress
from slogate.load.status import LoadStatus

RUNNING = LoadStatus(
    elapsed_s=10.0, duration_s=20.0, expected_starts=1000.0, starts=990, completed=980,
    errors=3, late=2, missed=1, p95_ms=12.34,
)  # fmt: skip


def test_the_load_line_gives_offered_and_achieved_rates_and_counts():
    assert load_progress.describe(RUNNING) == (
        "  10.0 s  offered   100.0/s  achieved    99.0/s  completed 980  errors 3  "
        "late 2  missed 1  p95 12.3 ms"
    )


def test_the_load_line_after_the_schedule_divides_by_the_schedule_and_flags_saturation():
    after = RUNNING.model_copy(update={"elapsed_s": 25.0, "saturated": True, "p95_ms": None})
    assert load_progress.describe(after) == (
        "  25.0 s  offered    50.0/s  achieved    49.5/s  completed 980  errors 3  "
        "late 2  missed 1  p95 -  LOAD GENERATOR SATURATED"
    )


def test_the_gate_line_gives_phase_time_left_rate_and_faults():
    line = gate_progress.describe("fault:pod-kill", RUNNING, 60, 99.5, ["kill on replica-1"])
    assert line == (
        "[fault:pod-kill]  10.0/60 s (  50 s left)  rate   99.5/s  errors 3  p95 12.3 ms  "
        "faults kill on replica-1"
    )


def _plain_progress() -> LiveGateProgress:
    """Progress as in a CI log (no terminal), every update printed."""
    progress = LiveGateProgress(Console(file=io.StringIO(), force_terminal=False))
    progress.line.plain_every_s = 0.0
    return progress


def test_the_gate_rate_comes_from_starts_between_statuses_and_ends_with_the_schedule(capsys):
    progress = _plain_progress()
    with progress:
        progress.enter("baseline")
        progress.load_status(RUNNING, 20, [])
        progress.load_status(RUNNING.model_copy(update={"elapsed_s": 11.0, "starts": 1090}), 20, [])
        progress.load_status(RUNNING.model_copy(update={"elapsed_s": 20.0}), 20, [])
    lines = capsys.readouterr().err.splitlines()
    assert lines[:2] == ["== set-up", "== baseline"]
    assert "rate -  errors" in lines[2]  # no rate from a single status
    assert "rate  100.0/s" in lines[3]
    assert "rate -  errors" in lines[4]  # the schedule has ended: no 0/s

"""The progress lines the face draws from a load status (`slogate load`, `slogate run`)."""

from __future__ import annotations

import io
import re

from rich.console import Console

from slogate.cli import gate_progress, load_progress
from slogate.cli.gate_progress import LiveGateProgress
from slogate.cli.load_progress import LoadProgress, StageStart
from slogate.load.profiles import find_profile
from slogate.load.status import LoadStatus
from tests.support.cli import REPO

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


STRESS = find_profile("stress", REPO / "loadtests").resolved_stages()  # 6 x 30 s, 250-2,000/s


def test_a_staged_run_shows_the_current_stage_rate_not_the_run_average():
    """Stage 4 of `stress` (1,000/s from 90 s): the average so far would say 562.5/s."""
    status = RUNNING.model_copy(
        update={"elapsed_s": 100.0, "duration_s": 180.0, "expected_starts": 55_000.0,
                "starts": 54_500, "scheduled_rate": 1000.0}
    )  # fmt: skip
    since = StageStart(stage=3, elapsed_s=90.4, starts=45_000)
    assert load_progress.describe(status, STRESS, since) == (
        " 100.0 s  stage 4/6  offered  1000.0/s  achieved   989.6/s  completed 980  errors 3  "
        "late 2  missed 1  p95 12.3 ms"
    )  # 9,500 starts in the 9.6 s since the stage's first status
    # the stage's first status: no span to measure an achieved rate over yet
    first = StageStart(stage=3, elapsed_s=100.0, starts=54_500)
    assert "stage 4/6  offered  1000.0/s  achieved       -/s" in load_progress.describe(
        status, STRESS, first
    )
    # a mark from the previous stage is not this stage's count
    assert "achieved       -/s" in load_progress.describe(status, STRESS, StageStart(2, 61, 2))


def test_the_first_stage_counts_from_the_schedule_start_and_one_stage_has_no_number():
    early = RUNNING.model_copy(update={"elapsed_s": 10.0, "starts": 2_480})
    assert load_progress.describe(early, STRESS).startswith(
        "  10.0 s  stage 1/6  offered   250.0/s  achieved   248.0/s"
    )
    smoke = find_profile("smoke", REPO / "loadtests").with_overrides(100, 20).resolved_stages()
    assert load_progress.describe(RUNNING, smoke) == load_progress.describe(RUNNING)


def test_after_a_staged_schedule_the_line_gives_the_whole_run():
    done = RUNNING.model_copy(
        update={"elapsed_s": 181.0, "duration_s": 180.0, "expected_starts": 180_000.0,
                "starts": 171_000, "finished": True}
    )  # fmt: skip
    assert load_progress.describe(done, STRESS).startswith(
        " 181.0 s  offered  1000.0/s  achieved   950.0/s"
    )


def test_the_progress_marks_each_stage_at_its_first_status():
    shown: list[str] = []
    progress = LoadProgress(Console(file=io.StringIO(), force_terminal=False), STRESS)
    progress.line.update = lambda line, force=False: shown.append(line)  # type: ignore[method-assign]
    for elapsed, starts in ((29.0, 7_250), (30.5, 7_600), (32.5, 8_590), (61.0, 22_000)):
        progress(RUNNING.model_copy(update={"elapsed_s": elapsed, "starts": starts}))
    assert [line.split("  completed")[0] for line in shown] == [
        "  29.0 s  stage 1/6  offered   250.0/s  achieved   250.0/s",
        "  30.5 s  stage 2/6  offered   500.0/s  achieved       -/s",
        "  32.5 s  stage 2/6  offered   500.0/s  achieved   495.0/s",
        "  61.0 s  stage 3/6  offered   750.0/s  achieved       -/s",
    ]


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
        progress.enter("set-up")
        progress.enter("baseline")
        progress.load_status(RUNNING, 20, [])
        progress.load_status(RUNNING.model_copy(update={"elapsed_s": 11.0, "starts": 1090}), 20, [])
        progress.load_status(RUNNING.model_copy(update={"elapsed_s": 20.0}), 20, [])
    lines = capsys.readouterr().err.splitlines()
    assert [line.split("  (")[0] for line in lines[:2]] == ["== set-up", "== baseline"]
    assert "rate -  errors" in lines[2]  # no rate from a single status
    assert "rate  100.0/s" in lines[3]
    assert "rate -  errors" in lines[4]  # the schedule has ended: no 0/s


def test_every_stage_line_gives_the_run_time_and_the_whole_runs_eta(capsys):
    progress = _plain_progress()
    with progress:
        progress.plan(20, {"pre-flight": 1, "set-up": 10, "load-start": 0, "evaluation": 3,
                           "report": 1, "tear-down": 4})  # fmt: skip
        progress.enter("pre-flight")
        progress.enter("set-up")
        progress.enter("baseline")
        progress.load_status(RUNNING, 20, [])
        progress.enter("evaluation")
        progress.enter("tear-down")
    lines = capsys.readouterr().err.splitlines()
    eta = [re.fullmatch(r"(.*)  \(run (\d+\.\d) s, ETA (\d+) s\)", line) for line in lines]
    assert all(eta[:3]) and eta[4] and eta[5], lines
    # microseconds pass between the calls: the ETAs are the planned stages' sums
    assert [(m.group(1), int(m.group(3))) for m in eta[:3] if m] == [
        ("== pre-flight", 39), ("== set-up", 38), ("== baseline", 28),
    ]  # fmt: skip
    assert lines[3].startswith("[baseline]  10.0/20 s") and lines[3].endswith(", ETA 18 s)")
    assert [(m.group(1), int(m.group(3))) for m in eta[4:6] if m] == [
        ("== evaluation", 8), ("== tear-down", 4),
    ]  # fmt: skip
    assert re.fullmatch(r"== done  \(run \d+\.\d s\)", lines[6])


def test_before_the_plan_the_lines_give_the_run_time_only(capsys):
    with _plain_progress() as progress:
        progress.enter("set-up")
    lines = capsys.readouterr().err.splitlines()
    assert re.fullmatch(r"== set-up  \(run \d\.\d s\)", lines[0]), lines


def test_on_a_terminal_one_live_line_follows_the_stages():
    console = Console(file=io.StringIO(), force_terminal=True, width=200)
    with LiveGateProgress(console) as progress:
        progress.plan(
            20, {"set-up": 10, "load-start": 0, "evaluation": 3, "report": 1, "tear-down": 4}
        )
        progress.enter("set-up")
        assert progress.line.live is not None
        assert re.fullmatch(
            r"\[set-up\]  \(run \d\.\d s, ETA 38 s\)", str(progress.line.live.get_renderable())
        )
        progress.load_status(RUNNING, 20, [])
        assert str(progress.line.live.get_renderable()).startswith("[set-up]  10.0/20 s")
        progress.enter("evaluation")
        assert re.fullmatch(
            r"\[evaluation\]  \(run \d\.\d s, ETA 8 s\)", str(progress.line.live.get_renderable())
        )
    assert "== evaluation  (run" in console.file.getvalue()

"""The ETA of a whole gate run: planned load plus measured or estimated other stages."""

from __future__ import annotations

import json

import pytest

from slogate.gate.eta import DEFAULT_ESTIMATES, RunClock, measured_estimates, stage_of

ESTIMATES = {
    "pre-flight": 1.0, "set-up": 10.0, "load-start": 0.0, "evaluation": 3.0, "report": 1.0,
    "tear-down": 4.0,
}  # fmt: skip


@pytest.mark.parametrize(
    ("name", "steps", "at", "load_elapsed", "remaining"),
    [
        ("at the start: every stage as planned", [], 0.0, None, 1 + 10 + 60 + 3 + 1 + 4),
        ("half-way through set-up", [("set-up", 1.0)], 6.0, None, 5 + 60 + 8),
        ("set-up overran: it ends now", [("set-up", 1.0)], 30.0, None, 60 + 8),
        ("in the load, its own clock counts", [("set-up", 1), ("load", 12)], 40.0, 25.0, 35 + 8),
        ("the load's schedule ended", [("set-up", 1), ("load", 12)], 75.0, 60.0, 8),
        ("evaluation", [("set-up", 1), ("load", 12), ("evaluation", 74)], 75.0, None, 2 + 5),
        ("tear-down overran", [("load", 12), ("tear-down", 80)], 90.0, None, 0),
    ],
)
def test_remaining_seconds(name, steps, at, load_elapsed, remaining):
    clock = RunClock(60.0, ESTIMATES)
    for stage, started in steps:
        clock.enter(stage, started)
    assert clock.remaining_s(at, load_elapsed) == pytest.approx(remaining), name
    assert clock.total_s(at, load_elapsed) == pytest.approx(at + remaining), name


def test_finished_stages_count_what_they_took_and_a_longer_load_moves_the_end():
    clock = RunClock(60.0, ESTIMATES)
    clock.enter("set-up", 1.0)
    clock.enter("load", 25.0)  # set-up took 24 s, not 10
    clock.enter("load", 30.0)  # a second load phase is the same stage
    assert clock.taken == {"pre-flight": 1.0, "set-up": 24.0}
    assert clock.total_s(25.0, 0.0) == pytest.approx(25 + 60 + 8)
    clock.load_s = 90.0
    assert clock.total_s(25.0, 0.0) == pytest.approx(25 + 90 + 8)


def test_the_load_counts_from_locusts_first_status():
    clock = RunClock(60.0, {**ESTIMATES, "load-start": 5.0})
    assert clock.remaining_s(0.0) == pytest.approx(1 + 10 + 5 + 60 + 8)
    clock.enter("load", 20.0)
    assert clock.remaining_s(22.0) == pytest.approx(3 + 60 + 8)  # Locust is starting
    assert clock.remaining_s(29.0) == pytest.approx(60 + 8)  # slower than estimated: all to come
    assert clock.remaining_s(29.0, 1.0) == pytest.approx(59 + 8)  # its clock counts


@pytest.mark.parametrize(
    ("phase", "stage"),
    [("warm-up", "load"), ("baseline", "load"), ("fault:pod-kill", "load"),
     ("recovery", "load"), ("evaluation", "evaluation"), ("tear-down", "tear-down")],
)  # fmt: skip
def test_load_phases_are_one_stage(phase, stage):
    assert stage_of(phase) == stage


def _report(folder, gate, spans):
    folder.mkdir(parents=True)
    timeline = [{"name": n, "start": 100.0 if n != "warm-up" else 103.5,
                 "end": None if d is None else 100.0 + d} for n, d in spans.items()]  # fmt: skip
    (folder / "report.json").write_text(json.dumps({"gate": gate, "timeline": timeline}))


def test_estimates_come_from_the_gates_last_run(tmp_path):
    _report(tmp_path / "20261128T141503Z-smoke", "smoke", {"set-up": 20.0, "tear-down": 6.0})
    _report(
        tmp_path / "20261128T151503Z-smoke", "smoke",
        {"set-up": 7.5, "evaluation": None, "load": 30.0, "warm-up": 3.0},
    )  # fmt: skip
    _report(tmp_path / "20261128T161503Z-smoke-2x", "smoke-2x", {"set-up": 99.0})
    (tmp_path / "20261128T171503Z-smoke").mkdir()  # a run going on: no report yet
    estimates = measured_estimates(tmp_path, "smoke")
    assert estimates == {**DEFAULT_ESTIMATES, "set-up": 7.5, "load-start": 3.5}
    assert measured_estimates(tmp_path, "other") == DEFAULT_ESTIMATES
    assert measured_estimates(tmp_path / "absent", "smoke") == DEFAULT_ESTIMATES


def test_an_unreadable_report_is_skipped(tmp_path):
    _report(tmp_path / "20261128T141503Z-smoke", "smoke", {"set-up": 20.0})
    broken = tmp_path / "20261128T151503Z-smoke"
    broken.mkdir()
    (broken / "report.json").write_text("{not json")
    assert measured_estimates(tmp_path, "smoke")["set-up"] == 20.0

"""How one capacity step is judged and how the search's curve is printed (pure)."""

from __future__ import annotations

import json

import pytest

from slogate.capacity.report import curve, figure, write_reports
from slogate.capacity.search import Conclusion, Outcome
from slogate.capacity.setup import from_gate
from slogate.capacity.step import (
    COUNTED_BY_GENERATOR,
    COUNTED_IN_PROMETHEUS,
    StepRecord,
    constant_profile,
    judge,
    share_spec,
    step_error_ratio,
)
from slogate.cli.capacity import required_rate
from slogate.config import load_config
from slogate.errors import ExitCode, UsageError
from slogate.load.profiles import find_profile
from slogate.load.results import LoadSummary, summarise
from slogate.load.run_files import TallyFile
from slogate.load.tally import Tally
from slogate.slo.evaluate import ObjectiveResult
from slogate.slo.spec import load_spec
from slogate.slo.stats import Verdict
from tests.support.cli import REPO, run_cli


def _summary(**changes: object) -> LoadSummary:
    profile = find_profile("baseline", REPO / "loadtests")
    ran = TallyFile(Tally(), complete=True, started_at=0.0, ended_at=20.0)
    return summarise(ran, profile, 1).model_copy(update=changes)


def _result(
    objective: str,
    verdict: Verdict,
    gating: bool = True,
    place: str = "client",
    sli: str = "latency",
) -> ObjectiveResult:
    return ObjectiveResult(
        objective=objective, sli=sli, place=place, gating=gating, verdict=verdict, reason="",
    )  # fmt: skip


def test_a_step_is_judged_by_its_generator_and_its_gating_verdicts() -> None:
    passed = [_result("availability", Verdict.PASS), _result("p95", Verdict.PASS)]
    table = [
        (_summary(), passed, Outcome.HELD, ()),
        (_summary(), [*passed, _result("lag", Verdict.FAIL, gating=False)], Outcome.HELD, ()),
        (_summary(), [*passed, _result("p99", Verdict.FAIL)], Outcome.BROKE, ("p99 (client)",)),
        (_summary(), [*passed, _result("p99", Verdict.INCONCLUSIVE)], Outcome.INCONCLUSIVE, ()),
        (_summary(error_ratio=0.6), passed, Outcome.BROKE, ("errors exploded (60%)",)),
        # a breach at a saturated step is still demonstrated at or below the offered rate ...
        (_summary(saturated=True), [*passed, _result("p99", Verdict.FAIL, place="server")],
         Outcome.BROKE, ("p99 (server)",)),
        (_summary(saturated=True),
         [*passed, _result("availability", Verdict.FAIL, sli="availability")],
         Outcome.BROKE, ("availability (client)",)),
        # ... but the client's latency then holds the generator's own lag: not the service's
        (_summary(saturated=True), [*passed, _result("p99", Verdict.FAIL)], Outcome.SATURATED,
         ()),
        (_summary(saturated=True, error_ratio=0.6), passed, Outcome.BROKE,
         ("errors exploded (60%)",)),
        (_summary(saturated=True), passed, Outcome.SATURATED, ()),
        (_summary(saturated=True), [*passed, _result("p99", Verdict.INCONCLUSIVE)],
         Outcome.SATURATED, ()),
        (_summary(saturated=True), [*passed, _result("lag", Verdict.FAIL, gating=False)],
         Outcome.SATURATED, ()),
    ]  # fmt: skip
    for summary, results, outcome, broken in table:  # the window's ratio as the summary's
        assert judge(summary, results, summary.error_ratio) == (outcome, broken)
    # errors in the warm-up only (the generator's ratio over the whole load): not the step's
    assert judge(_summary(error_ratio=0.6), passed, 0.0) == (Outcome.HELD, ())


def test_a_step_without_a_client_count_in_prometheus_is_judged_on_the_generators_errors() -> None:
    """A client that was not scraped (or an errors query that failed): 60 % connection-refused
    errors the server never saw still explode the step, instead of the server's verdicts
    alone holding it; the record says where the ratio came from."""
    passed = [_result("availability", Verdict.PASS, place="server")]
    refused = _summary(error_ratio=0.6)
    ratio, source = step_error_ratio(None, refused)
    assert (ratio, source) == (0.6, COUNTED_BY_GENERATOR)
    assert judge(refused, passed, ratio) == (Outcome.BROKE, ("errors exploded (60%)",))
    # the reference: a clean generator without a Prometheus count holds
    assert judge(_summary(error_ratio=0.0), passed, step_error_ratio(None, _summary())[0]) == (
        Outcome.HELD, (),
    )  # fmt: skip
    # a Prometheus count, when there is one, wins (the warm-up's errors are not the step's)
    assert step_error_ratio(0.0, refused) == (0.0, COUNTED_IN_PROMETHEUS)


def test_a_step_judges_only_the_gating_share_objectives() -> None:
    spec = load_spec(REPO / "slo" / "target-service.yaml")
    judged = [o.name for o in share_spec(spec).spec.objectives]
    assert judged == ["availability", "error-rate-under-1pct", "p95-under-500ms", "p99-under-1s"]
    assert required_rate(spec, None) == 500 and required_rate(spec, 320) == 320


def test_a_file_without_throughput_needs_require() -> None:
    spec = load_spec(REPO / "slo" / "target-service.yaml")
    bare = spec.model_copy(update={"spec": spec.spec.model_copy(update={"objectives": []})})
    with pytest.raises(UsageError, match="no throughput objective with min_rps; give --require R"):
        required_rate(bare, None)


def _record(rate: float, outcome: Outcome, broken: tuple[str, ...] = ()) -> StepRecord:
    return StepRecord(rate, 20, outcome, broken, rate * 0.99, 16.0, 40.0, 0.0, (), "")


def test_the_curve_marks_the_capacity_and_the_first_broken_rate() -> None:
    records = [
        _record(100, Outcome.HELD), _record(150, Outcome.HELD),
        _record(225, Outcome.BROKE, ("p95-under-500ms (client)",)),
        _record(187.5, Outcome.HELD), _record(206.25, Outcome.BROKE, ("p99-under-1s (client)",)),
    ]  # fmt: skip
    found = Conclusion(187.5, False, "", ("p99-under-1s (client)",), ExitCode.BREACHED)
    lines = curve(records, found).splitlines()
    assert [line.split()[0] for line in lines[1:]] == ["100.0", "150.0", "187.5", "206.2", "225.0"]
    assert lines[3].endswith("held  <- capacity")
    assert lines[4].endswith("broke  <- broke: p99-under-1s (client)")
    assert "<-" not in lines[5]
    # a rate run twice: the mark goes to the step that decided it, not the saturated one
    again = [
        _record(100, Outcome.SATURATED), _record(100, Outcome.HELD),
        _record(150, Outcome.SATURATED), _record(150, Outcome.BROKE, ("p95 (client)",)),
    ]  # fmt: skip
    found = Conclusion(100, False, "", ("p95 (client)",), ExitCode.BREACHED)
    marked = [line for line in curve(again, found).splitlines() if "<-" in line]
    assert [line.split("  ")[-2:] for line in marked] == [
        ["held", "<- capacity"], ["broke", "<- broke: p95 (client)"],
    ]  # fmt: skip


def test_bad_input_exits_2_naming_the_option(tmp_path) -> None:
    slo = str(REPO / "slo" / "target-service.yaml")
    home = {"SLOGATE_HOME": str(tmp_path)}
    reversed_range = run_cli("capacity", "--slo", slo, "--from", "500", "--to", "100", env=home)
    assert reversed_range.exit_code == 2
    assert "--from 500 is above --to 100: give --from <= --to" in reversed_range.stderr
    no_stack = run_cli("capacity", "--slo", slo, "--stack", "nowhere", env=home)
    assert no_stack.exit_code == 2 and "nowhere" in no_stack.stderr, no_stack.stderr
    missing = run_cli("capacity", "--slo", str(tmp_path / "none.yaml"), env=home)
    assert missing.exit_code == 2 and "none.yaml" in missing.stderr
    for result in (reversed_range, no_stack, missing):
        assert "Traceback" not in result.stderr


def test_a_staged_profile_is_refused_with_exit_2(tmp_path) -> None:
    """A step offers one constant rate; scaling `stress`'s stages would judge a ramp."""
    slo = str(REPO / "slo" / "target-service.yaml")
    loadtests = str(REPO / "loadtests")
    staged = run_cli(
        "capacity", "--slo", slo, "--profile", "stress", "--loadtests", loadtests,
        "--stack", "nowhere", env={"SLOGATE_HOME": str(tmp_path)},
    )  # fmt: skip
    assert staged.exit_code == 2, staged.stderr
    assert "--profile stress: the profile has 6 stages" in staged.stderr
    assert "give a profile with `rate` and `duration_s` (e.g. --profile baseline)" in staged.stderr
    assert "Traceback" not in staged.stderr
    baseline = find_profile("baseline", REPO / "loadtests")
    assert constant_profile(baseline) is baseline


def test_junit_and_summary_carry_the_capacity_figure(tmp_path) -> None:
    records = [_record(100, Outcome.HELD), _record(150, Outcome.BROKE, ("p95 (client)",))]
    cases = {
        ExitCode.BREACHED: (Conclusion(100, False, "broke", ("p95 (client)",), ExitCode.BREACHED),
                            '<failure message="capacity 100.0 req/s (required 120)'),
        ExitCode.INCONCLUSIVE: (Conclusion(100, True, "saturated", (), ExitCode.INCONCLUSIVE),
                                '<error message="capacity at least 100.0 req/s (required 120)'),
        ExitCode.OK: (Conclusion(150, True, "saturated", (), ExitCode.OK),
                      "<system-out>capacity at least 150.0 req/s (required 120)"),
    }  # fmt: skip
    for code, (found, expected) in cases.items():
        write_reports(tmp_path, records, found, 120)
        assert expected in (tmp_path / "junit.xml").read_text(), code
        summary = (tmp_path / "summary.md").read_text()
        assert summary.startswith(f"# Capacity: {figure(found)} (required 120 req/s)")
        assert "<- capacity" in summary
        document = json.loads((tmp_path / "capacity.json").read_text())
        assert document["capacity_rps"] == found.capacity
        assert document["conclusion"]["exit_code"] == int(code)
    write_reports(tmp_path, records, None, 120)  # mid-search: the steps, no conclusion yet
    assert json.loads((tmp_path / "capacity.json").read_text())["conclusion"] is None


def test_a_gate_with_stack_options_or_unknown_is_refused_with_exit_2(tmp_path) -> None:
    """GATE brings up its own stack with the gate's SLO file and profile: nothing to mix."""
    home = {"SLOGATE_HOME": str(tmp_path)}
    config = str(REPO / "slogate.yaml")
    mixed = run_cli("capacity", "capacity", "--config", config, "--stack", "up", "--slo", "x.yaml",
                    env=home)  # fmt: skip
    assert mixed.exit_code == 2, mixed.stderr
    assert "GATE 'capacity' brings up its own stack" in mixed.stderr
    assert "--stack, --slo cannot be given with it" in mixed.stderr
    unknown = run_cli("capacity", "nope", "--config", config, env=home, cwd=REPO)
    assert unknown.exit_code == 2 and "no gate named 'nope'" in unknown.stderr, unknown.stderr
    for result in (mixed, unknown):
        assert "Traceback" not in result.stderr
    assert not list(tmp_path.glob("stacks/*"))  # nothing was started


def test_a_gate_gives_its_objectives_profile_warmup_and_stack() -> None:
    """The shipped `capacity` gate: its baseline objectives (the gating share ones judged per
    step), 500 req/s required from its throughput objective, its profile and warm-up."""
    setup = from_gate(load_config(str(REPO / "slogate.yaml")), "capacity", None, None)
    assert [o.name for o in share_spec(setup.spec).spec.objectives] == [
        "availability", "p95-under-500ms", "p99-under-1s",
    ]  # fmt: skip
    assert setup.required_rps == 500 and setup.warmup_s == 5 and setup.seed
    assert setup.profile.name == "baseline" and setup.stack_config is not None
    assert (
        from_gate(load_config(str(REPO / "slogate.yaml")), "capacity", 1, 450).required_rps == 450
    )

"""RunReport: run ids, round trips through report.json, validation and read errors."""

from __future__ import annotations

import json
import re

import pytest

from slogate.chaos.ledger import FaultEvent, FaultLedger, new_fault_id
from slogate.errors import ConfigError, UsageError
from slogate.report import store
from slogate.report.journal import brief_journal, read_journal
from slogate.report.model import (
    CountComparison,
    FaultWindow,
    Recovery,
    RunReport,
    new_run_id,
)
from slogate.report.store import allocate_run_folder, locate_report, read_report
from slogate.report.writer import write_report
from slogate.slo.evaluate import Window
from tests.report.scenarios import EXPECTED_EXIT, JOURNAL, SCENARIOS, START


def test_run_ids_sort_by_time_and_name_the_gate():
    assert new_run_id("smoke", START) == "20261128T141503Z-smoke"
    later = new_run_id("pod-kill", START + 61)
    assert later == "20261128T141604Z-pod-kill"
    assert sorted([later, new_run_id("smoke", START)])[0].endswith("-smoke")


def test_a_gate_name_that_cannot_be_a_folder_is_refused():
    with pytest.raises(ValueError, match=r"gate name '\.\./x'"):
        new_run_id("../x")


def test_two_runs_in_the_same_second_get_distinct_folders(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "new_run_id", lambda gate: f"20261128T141503Z-{gate}")
    first, folder_a = allocate_run_folder("smoke", tmp_path)
    second, folder_b = allocate_run_folder("smoke", tmp_path)
    assert (first, second) == ("20261128T141503Z-smoke", "20261128T141503Z-smoke-2")
    assert folder_a.is_dir() and folder_b.is_dir()


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_report_json_round_trips(tmp_path, name):
    report = SCENARIOS[name]()
    paths = write_report(report, tmp_path / report.run_id)
    again = read_report(paths["report.json"])
    assert again == report
    assert again.exit_code is EXPECTED_EXIT[name]
    data = json.loads(paths["report.json"].read_text())
    assert data["schema_version"] == 1
    assert data["run_id"] == report.run_id
    # atomic writes leave no temporary files behind
    assert sorted(p.name for p in (tmp_path / report.run_id).iterdir()) == [
        "junit.xml",
        "report.html",
        "report.json",
        "summary.md",
    ]


def test_series_points_are_t_value_pairs_with_gaps_as_null(tmp_path):
    report = SCENARIOS["passing_smoke"]()
    data = json.loads(report.model_dump_json())
    latency = next(s for s in data["series"] if s["metric"] == "latency")
    assert latency["points"][0] == [START, None]
    assert latency["points"][5][0] == START + 5 and latency["points"][5][1] > 0


def test_a_partial_report_must_say_why():
    data = SCENARIOS["partial_interrupted"]().model_dump()
    data["partial_reason"] = None
    with pytest.raises(ValueError, match="partial_reason"):
        RunReport.model_validate(data)


def test_unknown_run_names_the_id_and_the_known_runs(reports_dir):
    with pytest.raises(UsageError) as caught:
        locate_report("20991231T000000Z-smoke", reports_dir)
    message = str(caught.value)
    assert "unknown run '20991231T000000Z-smoke'" in message
    assert "20261128T141503Z-regression" in message


def test_a_run_can_be_named_by_folder_or_file(reports_dir):
    folder = reports_dir / "20261128T141503Z-smoke"
    assert locate_report(str(folder), reports_dir) == folder / "report.json"
    assert locate_report(str(folder / "report.json"), reports_dir) == folder / "report.json"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "(document): a JSON object"),
        ('{"schema_version": 99}', "schema_version: 1 (got 99)"),
        ('{"schema_version": 1, "run_id": "x"}', "run_id: String should match pattern"),
    ],
    ids=["malformed", "not-an-object", "future-schema", "bad-field"],
)
def test_a_bad_report_json_names_file_and_field(tmp_path, content, expected):
    path = tmp_path / "report.json"
    path.write_text(content)
    with pytest.raises(ConfigError) as caught:
        read_report(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert expected in str(caught.value)


def test_client_server_comparison_counts_errors_the_server_never_saw():
    window = Window(start=START, end=START + 15)
    fault = CountComparison(
        phase="fault",
        window=window,
        in_fault=True,
        client_total=4500,
        client_errors=22,
        server_total=4478,
        server_errors=0,
        tolerance=0.01,
    )
    assert fault.errors_server_never_saw == 22
    assert fault.total_difference == pytest.approx(22 / 4500)
    assert fault.agrees is True
    apart = fault.model_copy(update={"server_total": 4000})
    assert apart.agrees is False
    missing = fault.model_copy(update={"server_total": None, "server_errors": None})
    assert missing.agrees is None and missing.errors_server_never_saw is None


def test_time_to_recover_is_from_the_fault_end():
    recovery = Recovery(fault_id="f", kind="replica_kill", fault_ended=100.0, recovered_at=102.4)
    assert recovery.seconds == pytest.approx(2.4)
    assert Recovery(fault_id="f", kind="x", fault_ended=100.0, recovered_at=None).seconds is None


def test_fault_windows_come_from_the_ledger(tmp_path):
    ledger = FaultLedger("report-test", path=tmp_path / "ledger.jsonl")
    fault_id = new_fault_id()
    common = {
        "run_id": "r1",
        "fault_id": fault_id,
        "kind": "latency",
        "target": "all-replicas",
        "ttl_s": 60,
    }
    intent = ledger.record(FaultEvent.INTENT, **common)
    applied = ledger.record(FaultEvent.APPLIED, **common)
    ended = ledger.record(FaultEvent.ROLLED_BACK, **common)
    (fault,) = ledger.faults("r1")
    window = FaultWindow.from_fault(fault)
    assert (window.intended, window.applied, window.ended) == (intent.ts, applied.ts, ended.ts)
    assert window.span(run_end=ended.ts + 50) == (applied.ts, ended.ts)
    open_window = window.model_copy(update={"ended": None})
    assert open_window.span(run_end=ended.ts + 50) == (applied.ts, ended.ts + 50)


def test_a_journal_in_brief():
    brief = brief_journal(JOURNAL, "journal.json")
    assert brief.title.startswith("A replica is killed")
    assert (brief.status, brief.deviated, brief.steady_state_met_before) == (
        "completed",
        False,
        True,
    )
    assert [(a.name, a.type, a.status) for a in brief.activities] == [
        ("kill-one-replica", "action", "succeeded"),
        ("replicas-back", "probe", "succeeded"),
    ]
    first = brief.activities[0]
    assert first.end is not None and first.start is not None
    assert first.start == pytest.approx(START + 20.1)  # naive journal timestamps are UTC
    assert first.end - first.start == pytest.approx(0.08, abs=1e-6)


def test_a_missing_journal_is_reported_not_raised(tmp_path):
    brief = read_journal(tmp_path / "pod-kill" / "journal.json")
    assert re.match(r"no journal \(FileNotFoundError", brief.status)

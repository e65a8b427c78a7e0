"""status.json: what the Locust process writes every second is what the engine reads back,
and a missing or half-written file reads as no status yet."""

from __future__ import annotations

import json
import os

from slogate.load.profiles import Profile
from slogate.load.run_files import RunFiles
from slogate.load.status import LoadStatus, read_status
from slogate.load.tally import Tally


def _tally() -> Tally:
    tally = Tally()
    tally.declare_routes([("GET", "/a")])
    for intended_s in (0.010, 0.020, 0.030):
        tally.record_start(0, late=False)
        tally.record_response("GET", "/a", 200, intended_s, intended_s, 0)
    tally.record_start(0, late=True)
    tally.record_response("GET", "/a", 503, 0.5, 0.5, 0)
    tally.record_missed(0)
    return tally


def test_the_written_status_reads_back_with_its_counts_and_time(tmp_path):
    profile = Profile(name="p", rate=10, duration_s=20)
    RunFiles(str(tmp_path)).write_status(_tally(), profile, started_at=None, finished=True)
    read = read_status(tmp_path)
    assert read is not None
    status, written = read
    assert written == os.stat(tmp_path / "status.json").st_mtime
    assert (status.starts, status.missed, status.late) == (4, 1, 1)
    assert (status.completed, status.errors) == (4, 1)
    assert (status.elapsed_s, status.duration_s, status.finished) == (0.0, 20.0, True)
    assert (status.scheduled_rate, status.expected_starts) == (10.0, 0.0)
    assert status.p95_ms is not None and 499 <= status.p95_ms <= 501
    # the file keeps its format: the keys and `json.dumps`'s separators
    text = (tmp_path / "status.json").read_text()
    assert '"finished": true' in text and '"starts": 4' in text
    assert set(json.loads(text)) == set(LoadStatus.model_fields)


def test_no_status_before_the_first_write_or_while_half_written(tmp_path):
    assert read_status(tmp_path) is None
    (tmp_path / "status.json").write_text('{"elapsed_s": 1.5, "sta')
    assert read_status(tmp_path) is None


def test_a_status_without_answers_has_no_p95(tmp_path):
    (tmp_path / "status.json").write_text(json.dumps({"elapsed_s": 2.0, "starts": 3}))
    read = read_status(tmp_path)
    assert read is not None
    assert read[0] == LoadStatus(elapsed_s=2.0, starts=3)
    assert read[0].p95_ms is None

"""The windows of a web UI session (pure): the union of the intervals in which load ran, the
counting window that adds the last answers' settling time, and sums of counts over parts."""

from __future__ import annotations

import pytest

from slogate.load.session import LoadInterval, Session, read_session, write_session
from slogate.slo.counting import Count
from slogate.slo.evaluate import Window
from slogate.slo.union import WindowUnion, summed, union_of


def _w(a: float, b: float) -> Window:
    return Window(start=a, end=b)


UNIONS = {
    "disjoint": ([_w(0, 10), _w(20, 30)], [(0, 10), (20, 30)], 20),
    "overlapping merged": ([_w(0, 10), _w(5, 15)], [(0, 15)], 15),
    "touching merged": ([_w(0, 10), _w(10, 12)], [(0, 12)], 12),
    "unsorted": ([_w(20, 30), _w(0, 10)], [(0, 10), (20, 30)], 20),
    "empty windows dropped": ([_w(5, 5), _w(0, 10)], [(0, 10)], 10),
}


@pytest.mark.parametrize("name", UNIONS)
def test_union_of(name):
    windows, parts, seconds = UNIONS[name]
    union = union_of(windows)
    assert union is not None
    assert [(p.start, p.end) for p in union.parts] == parts
    assert (union.start, union.end) == (parts[0][0], parts[-1][1])
    assert union.seconds == seconds


def test_nothing_is_no_union():
    assert union_of([]) is None
    assert union_of([_w(3, 3)]) is None


def test_overlap_with_a_window_and_with_a_union():
    union = union_of([_w(0, 10), _w(20, 30)])
    assert union is not None
    minute = union.overlap(_w(5, 25))
    assert minute is not None
    assert [(p.start, p.end) for p in minute.parts] == [(5, 10), (20, 25)]
    other = union_of([_w(8, 22)])
    assert other is not None
    both = union.overlap(other)
    assert isinstance(both, WindowUnion)
    assert [(p.start, p.end) for p in both.parts] == [(8, 10), (20, 22)]
    assert union.overlap(_w(11, 19)) is None


def test_counts_over_parts_add_up():
    a = Count(total=10, by_group={"0.5": 4}, series=2, reset_series=1, queries=["q1"])
    b = Count(total=5, by_group={"0.5": 1, "+Inf": 5}, series=3, nan=True, queries=["q1", "q2"])
    total = summed([a, b])
    assert (total.total, total.series, total.reset_series, total.nan) == (15, 3, 1, True)
    assert total.by_group == {"0.5": 5, "+Inf": 5}
    assert total.queries == ["q1", "q2"]


def test_a_session_records_its_intervals_and_survives_a_round_trip(tmp_path):
    session = Session()
    session.started(100)
    session.started(101)  # already running: no second interval
    assert session.running
    session.stopped(130)
    session.stopped(131)  # already stopped: the end stays
    session.started(200)
    write_session(tmp_path, session)
    again = read_session(tmp_path)
    assert again.intervals == [LoadInterval(start=100, end=130), LoadInterval(start=200)]
    ran = again.load_ran(now=215)
    assert ran is not None
    assert [(p.start, p.end) for p in ran.parts] == [(100, 130), (200, 215)]
    assert read_session(tmp_path / "nothing") == Session()


def test_the_counted_window_settles_until_the_next_start_and_now():
    session = Session(
        intervals=[
            LoadInterval(start=0, end=10),  # settles 3 s
            LoadInterval(start=11, end=20),  # the next starts at 21: settles only 1 s
            LoadInterval(start=21, end=30),  # now is 31: settles 1 s
        ]
    )
    counted = session.counted(now=31, settle_s=3)
    assert counted is not None
    assert [(p.start, p.end) for p in counted.parts] == [(0, 31)]  # 0-13 + 11-21 + 21-31
    apart = Session(intervals=[LoadInterval(start=0, end=10), LoadInterval(start=50)])
    counted = apart.counted(now=60, settle_s=3)
    assert counted is not None
    assert [(p.start, p.end) for p in counted.parts] == [(0, 13), (50, 60)]
    assert Session().counted(now=60, settle_s=3) is None

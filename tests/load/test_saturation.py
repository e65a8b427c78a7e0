"""The saturation judgement, as a pure function of what the generator saw each window."""

from __future__ import annotations

import pytest

from slogate.load.saturation import SaturationWatch, Window


def window(elapsed_s=1.0, cpu=20.0, starts=100, late=0, arrivals=100, behind=0):
    return Window(elapsed_s, cpu, starts, late, arrivals, behind)


@pytest.mark.parametrize(
    ("name", "seen", "bad"),
    [
        ("quiet", window(), False),
        ("cpu pegged", window(cpu=95), True),
        ("late starts", window(late=21), True),
        ("dispatcher behind", window(behind=21), True),
        ("monitor woke 0.6 s late", window(elapsed_s=1.6), True),
        ("monitor woke 0.3 s late", window(elapsed_s=1.3), False),
        ("no traffic", window(starts=0, arrivals=0), False),
    ],
)
def test_a_window_is_bad_for_each_sign_of_saturation(name, seen, bad):
    assert seen.bad is bad, name


def test_saturated_after_three_bad_seconds_of_five():
    watch = SaturationWatch()
    assert watch.close(window(cpu=95)) == (False, 0)
    assert watch.close(window()) == (False, 0)
    assert watch.close(window(cpu=95)) == (False, 0)
    assert watch.close(window(late=50)) == (True, 1)
    assert watch.close(window()) == (True, 1)  # still 3 bad of the last 5


def test_a_starved_monitor_counts_every_second_it_missed():
    watch = SaturationWatch()
    # one window spanning 4 s: the loop was so busy the monitor could not run
    assert watch.close(window(elapsed_s=4.0)) == (True, 2)  # 3rd and 4th bad second

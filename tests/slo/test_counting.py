"""Reset-aware counter deltas from raw samples (pure)."""

from __future__ import annotations

import pytest

from slogate.slo.counting import delta_from_samples

START = 100.0
SCENARIOS = [
    ("monotone: end minus start sample", [(95, 10), (100, 12), (105, 20), (110, 30)], 18.0),
    (
        "start between samples: last sample at or before start",
        [(99, 12), (101, 15), (110, 30)],
        18.0,
    ),
    (
        "one reset: the post-reset value counts in full",
        [(100, 50), (105, 60), (106, 3), (110, 8)],
        18.0,
    ),
    ("two resets", [(100, 50), (101, 55), (102, 1), (103, 4), (104, 0), (105, 2)], 11.0),
    ("reset to zero, no requests after", [(100, 50), (105, 0)], 0.0),
    ("series born in the window counts from 0", [(103, 4), (110, 9)], 9.0),
    ("no samples after the start", [(90, 4), (100, 9)], 0.0),
    ("unsorted input is sorted", [(110, 30), (100, 12), (105, 20)], 18.0),
    ("flat counter", [(100, 7), (105, 7), (110, 7)], 0.0),
]


@pytest.mark.parametrize(
    ("samples", "expected"), [s[1:] for s in SCENARIOS], ids=[s[0] for s in SCENARIOS]
)
def test_delta_from_samples(samples, expected):
    assert delta_from_samples(samples, START) == expected

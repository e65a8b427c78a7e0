"""Load profiles: the shipped file is valid, overrides apply, bad files name file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from slogate.errors import ConfigError, UsageError
from slogate.load.profiles import find_profile, load_profile_file, load_profiles, profile_files

SHIPPED = Path(__file__).resolve().parents[2] / "loadtests"

BAD_PROFILES = {
    "no rate": ("smoke: {duration_s: 10}", "profiles.smoke", "rate"),
    "both rate and stages": (
        "smoke: {rate: 1, duration_s: 1, stages: [{duration_s: 1, rate: 1}]}",
        "profiles.smoke",
        "not both",
    ),
    "negative rate": ("smoke: {rate: -5, duration_s: 10}", "profiles.smoke.rate", "greater than"),
    "unknown arrivals": (
        "smoke: {rate: 5, duration_s: 10, arrivals: bursty}",
        "profiles.smoke.arrivals",
        "'uniform' or 'poisson'",
    ),
    "misspelt field": (
        "smoke: {rate: 5, duration: 10}",
        "profiles.smoke.duration",
        "Extra inputs",
    ),
    "stage without rate": (
        "step: {stages: [{duration_s: 10}]}",
        "profiles.step.stages.0.rate",
        "required",
    ),
}


def test_shipped_profiles_are_valid_and_complete():
    profiles = load_profiles(profile_files(SHIPPED))
    assert {"smoke", "baseline", "stress", "spike", "soak"} <= set(profiles)
    assert profiles["baseline"].rate == 500
    assert profiles["stress"].stages is not None and len(profiles["stress"].stages) >= 3
    assert profiles["stress"].break_when is not None
    # smoke's sample must be able to demonstrate 99.9 % availability (rule of three: 3,000)
    assert profiles["smoke"].planned_requests >= 3000


@pytest.mark.parametrize("case", sorted(BAD_PROFILES))
def test_bad_profile_names_file_and_field(tmp_path, case):
    body, field, message = BAD_PROFILES[case]
    path = tmp_path / "profiles.yaml"
    path.write_text("profiles:\n  " + body + "\n")
    with pytest.raises(ConfigError) as caught:
        load_profile_file(path)
    assert caught.value.path == str(path)
    assert caught.value.field == field
    assert message in str(caught.value)


def test_user_profiles_folder_adds_profiles_and_rejects_duplicates(tmp_path):
    (tmp_path / "profiles.yaml").write_text("profiles:\n  a: {rate: 1, duration_s: 1}\n")
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "team.yaml").write_text("profiles:\n  b: {rate: 2, duration_s: 2}\n")
    assert find_profile("b", tmp_path).rate == 2
    (tmp_path / "profiles" / "dup.yaml").write_text("profiles:\n  a: {rate: 3, duration_s: 3}\n")
    with pytest.raises(ConfigError, match="already defined"):
        find_profile("a", tmp_path)


def test_unknown_profile_lists_the_known_ones():
    with pytest.raises(UsageError, match="known profiles: baseline, smoke, soak, spike, stress"):
        find_profile("nope", SHIPPED)


def test_overrides_on_constant_and_staged_profiles():
    smoke = find_profile("smoke", SHIPPED).with_overrides(rate=80, duration_s=5, seed=3)
    assert (smoke.rate, smoke.duration_s, smoke.seed) == (80, 5, 3)
    spike = find_profile("spike", SHIPPED)
    scaled = spike.with_overrides(rate=100, duration_s=7)
    assert scaled.peak_rate == pytest.approx(100)
    assert scaled.total_duration_s == pytest.approx(7)
    assert [s.rate for s in scaled.resolved_stages()] == pytest.approx([25, 100, 25])
    with pytest.raises(UsageError, match="--rate must be positive"):
        spike.with_overrides(rate=0)

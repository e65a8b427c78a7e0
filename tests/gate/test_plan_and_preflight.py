"""Planning a gate and its pre-flight checks: pure, no processes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from slogate.config import load_config
from slogate.errors import ConfigError
from slogate.gate.plan import plan_gate
from slogate.gate.preflight import find_shortfalls, run_error_budget
from tests.gate.conftest import TEST_GATES
from tests.support.cli import REPO


def _config(tmp_path: Path, gates: dict[str, object]) -> Path:
    for name in ("loadtests", "experiments", "slo"):
        (tmp_path / name).symlink_to(REPO / name)
    path = tmp_path / "slogate.yaml"
    path.write_text(yaml.safe_dump({"gates": gates}))
    return path


def test_shipped_gates_are_conclusive() -> None:
    config = load_config(REPO / "slogate.yaml")
    assert {
        "smoke",
        "pod-kill",
        "latency",
        "dependency-outage",
        "rolling-restart",
        "regression",
    } <= set(config.gates)
    for name in config.gates:
        assert find_shortfalls(plan_gate(config, name, REPO / "loadtests")) == [], name


def test_too_small_a_load_names_objective_rate_and_duration(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path, TEST_GATES))
    (shortfall,) = find_shortfalls(plan_gate(config, "too-small"))
    assert shortfall.objective == "availability" and shortfall.required == 2995
    assert shortfall.planned == pytest.approx(90)  # 5 req/s x 18 s after warm-up
    assert ">= 167 req/s" in shortfall.message and ">= 599 s" in shortfall.message


def test_phases_follow_the_offsets(tmp_path: Path) -> None:
    plan = plan_gate(load_config(_config(tmp_path, TEST_GATES)), "quick-pod-kill")
    spans = [(p.name, p.start_s, p.end_s) for p in plan.phases]
    assert spans == [
        ("warm-up", 0, 3),
        ("baseline", 3, 14),
        ("fault", 14, 25),
        ("recovery", 25, 40),
    ]
    # 1 % of (11 + 11 + 15) s x 60 req/s: the errors the whole run may have
    assert run_error_budget(plan) == pytest.approx(0.01 * 37 * 60)


def test_a_fault_past_the_load_is_a_config_error(tmp_path: Path) -> None:
    gate = {**TEST_GATES["quick-pod-kill"], "recovery_s": 30}
    config = load_config(_config(tmp_path, {"late": gate}))
    with pytest.raises(ConfigError, match=r"gates\.late\.load\.duration_s.*at least 55 s"):
        plan_gate(config, "late")


def test_an_experiment_listed_twice_in_one_gate_is_a_config_error(tmp_path: Path) -> None:
    """Phases, ledger faults and reports are keyed by experiment: a second run of the same
    one would merge with the first."""
    twice = {
        "load": {"profile": "smoke", "rate": 60, "duration_s": 80},
        "experiments": [
            {"experiment": "pod-kill", "at_s": 10, "fault_s": 10},
            {"experiment": "pod-kill", "at_s": 30, "fault_s": 10},
        ],
        "objectives": {"fault": ["error-rate-under-1pct"]},
    }
    config = load_config(_config(tmp_path, {"twice": twice}))
    with pytest.raises(
        ConfigError, match=r"gates\.twice\.experiments\[1\]\.experiment.*'pod-kill' once per gate"
    ):
        plan_gate(config, "twice")


def test_unknown_objective_is_named(tmp_path: Path) -> None:
    gate = {**TEST_GATES["quick-smoke"], "objectives": {"baseline": ["availabilty"]}}
    config = load_config(_config(tmp_path, {"typo": gate}))
    with pytest.raises(ConfigError, match=r"gates\.typo\.objectives\.baseline.*'availabilty'"):
        plan_gate(config, "typo")


def test_an_unknown_profile_names_the_gate_field_and_file(tmp_path: Path) -> None:
    gate = {**TEST_GATES["quick-smoke"], "load": {"profile": "smok", "rate": 60, "duration_s": 14}}
    path = _config(tmp_path, {"typo": gate})
    with pytest.raises(ConfigError) as raised:
        plan_gate(load_config(path), "typo")
    message = str(raised.value)
    assert message.startswith(f"{path}: gates.typo.load.profile: unknown load profile 'smok'")
    assert "smoke" in message and str((tmp_path / "loadtests").resolve()) in message


def test_missing_profiles_say_where_they_were_looked_for(tmp_path: Path) -> None:
    path = tmp_path / "slogate.yaml"
    path.write_text(yaml.safe_dump({"gates": {"smoke": TEST_GATES["quick-smoke"]}}))
    with pytest.raises(ConfigError) as raised:
        plan_gate(load_config(path), "smoke")
    message = str(raised.value)
    assert f"gates.smoke.load.profile: no profiles found in {tmp_path.resolve() / 'loadtests'}" in (
        message
    )
    assert f"next to {path}" in message and "project folder" not in message

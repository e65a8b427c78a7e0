"""Every experiment file is valid for Chaos Toolkit (with no SLOGATE_* variable set)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from chaoslib.exceptions import InvalidActivity
from chaoslib.experiment import ensure_experiment_is_valid
from chaoslib.loader import load_experiment

from tests.support.experiments import SLOGATE_CONFIGURATION

REPO = Path(__file__).resolve().parents[2]
EXPERIMENTS = sorted((REPO / "experiments").glob("*.yaml"))
EXPECTED = {
    "pod-kill", "latency-injection", "error-injection", "dependency-outage", "rolling-restart",
    "graceful-shutdown", "network-partition",
}  # fmt: skip


def test_every_named_experiment_exists() -> None:
    assert {p.stem for p in EXPERIMENTS} >= EXPECTED


def _chaos_validate(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What `chaos validate PATH` does (chaostoolkit/commands/validate.py), in this process:
    load the experiment and check its syntax and every activity (the Python providers are
    imported); raises chaoslib's ChaosException when it is not valid."""
    for name in [k for k in os.environ if k.startswith("SLOGATE_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(REPO)
    ensure_experiment_is_valid(load_experiment(str(path), {}))


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.stem)
def test_chaos_validate_passes(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _chaos_validate(path, monkeypatch)


def test_chaos_validate_rejects_an_unknown_probe_function(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "pod-kill.yaml"
    broken.write_text((REPO / "experiments" / "pod-kill.yaml").read_text().replace(
        "func: clear_faults", "func: clear_all_the_faults"
    ))  # fmt: skip
    with pytest.raises(InvalidActivity, match="clear_all_the_faults"):
        _chaos_validate(broken, monkeypatch)


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.stem)
def test_an_experiment_is_documented_has_a_hypothesis_and_rolls_back(path: Path) -> None:
    text = path.read_text()
    assert text.startswith("# "), "documented at the top of the file"
    document = yaml.safe_load(text)
    assert document["steady-state-hypothesis"]["probes"]
    assert [r["provider"]["func"] for r in document["rollbacks"]] == ["clear_faults"]
    # the block the tests' inline experiments use too (tests/support/experiments.py)
    assert document["configuration"] == SLOGATE_CONFIGURATION

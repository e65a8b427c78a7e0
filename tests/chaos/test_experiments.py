"""Every experiment file is valid for Chaos Toolkit (with no SLOGATE_* variable set)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
EXPERIMENTS = sorted((REPO / "experiments").glob("*.yaml"))
EXPECTED = {
    "pod-kill", "latency-injection", "error-injection", "dependency-outage", "rolling-restart",
    "graceful-shutdown",
}  # fmt: skip


def test_every_named_experiment_exists() -> None:
    assert {p.stem for p in EXPERIMENTS} >= EXPECTED


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.stem)
def test_chaos_validate_passes(path: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLOGATE_")}
    result = subprocess.run(
        [sys.executable, "-m", "chaostoolkit", "--no-version-check", "--no-log-file",
         "--settings", str(tmp_path / "settings.yaml"), "validate", str(path)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "look valid" in result.stdout + result.stderr


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.stem)
def test_an_experiment_is_documented_has_a_hypothesis_and_rolls_back(path: Path) -> None:
    text = path.read_text()
    assert text.startswith("# "), "documented at the top of the file"
    document = yaml.safe_load(text)
    assert document["steady-state-hypothesis"]["probes"]
    assert [r["provider"]["func"] for r in document["rollbacks"]] == ["clear_faults"]
    configuration = document["configuration"]
    assert configuration["slogate_stack"]["default"] == "default"
    assert configuration["slogate_run_id"]["default"] == "manual"

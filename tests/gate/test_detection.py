"""What a gate can detect, before it runs: the figures, `detect:` in the pre-flight, and the
shipped gates' sizing. Pure planning plus the CLI in-process; nothing is started."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from slogate.config import load_config
from slogate.gate.detection import detection_figures
from slogate.gate.plan import plan_gate
from slogate.gate.preflight import find_shortfalls
from slogate.slo.power import worst_power
from tests.support.cli import REPO, run_cli

SIZED_FOR_3X = ("smoke", "pod-kill", "latency", "dependency-outage", "rolling-restart")

# 40 req/s x 11 s after warm-up = 440 requests: enough to PASS 99 % (299), too few to detect
# a 3 % error rate with 90 % power at every count the phase may end up with (316-564)
THIN: dict[str, Any] = {
    "load": {"profile": "smoke", "rate": 40, "duration_s": 14},
    "warmup_s": 3,
    "objectives": {"baseline": ["error-rate-under-1pct"]},
    "detect": "3x",
}


def _project(tmp_path: Path, gates: dict[str, Any]) -> Path:
    for name in ("loadtests", "experiments", "slo"):
        (tmp_path / name).symlink_to(REPO / name)
    path = tmp_path / "slogate.yaml"
    path.write_text(yaml.safe_dump({"gates": gates}))
    return path


def _with(gate: dict[str, Any], **load: float) -> dict[str, Any]:
    return {**gate, "load": {**gate["load"], **load}}


def test_a_gate_too_thin_for_its_detect_is_sized_by_the_preflight(tmp_path: Path) -> None:
    config = load_config(_project(tmp_path, {"thin": THIN}))
    (shortfall,) = find_shortfalls(plan_gate(config, "thin"))
    assert shortfall.objective == "error-rate-under-1pct" and shortfall.planned == 440
    message = shortfall.message
    assert message.startswith(
        "baseline: objective 'error-rate-under-1pct' detects an error rate of 3.54 % or worse "
        "(3.5x budget burn) with 90 % power over 316-564 requests; `detect: 3x` needs 3 %: "
    )
    rate = int(re.search(r"raise the rate to >= (\d+) req/s", message)[1])  # type: ignore[index]
    seconds = int(re.search(r"make the phase >= (\d+) s long", message)[1])  # type: ignore[index]
    assert (rate, seconds) == (55, 15)
    # the sizes it names are enough
    for index, gate in enumerate((_with(THIN, rate=rate), _with(THIN, duration_s=seconds + 3))):
        folder = tmp_path / f"sized-{index}"
        folder.mkdir()
        sized = load_config(_project(folder, {"g": gate}))
        assert find_shortfalls(plan_gate(sized, "g")) == []


def test_run_refuses_it_before_anything_starts(tmp_path: Path) -> None:
    path = _project(tmp_path, {"thin": THIN})
    home = tmp_path / "home"
    done = run_cli(
        "run", "thin", "--config", str(path), "--reports-dir", str(tmp_path / "reports"),
        env={"SLOGATE_HOME": str(home)},
    )  # fmt: skip
    assert done.exit_code == 2, done.stdout + done.stderr
    said = done.stdout + done.stderr
    assert "`detect: 3x` needs 3 %: raise the rate to >= 55 req/s" in said
    assert "--run-anyway" in said and "Traceback" not in said
    assert not home.exists() and not (tmp_path / "reports").exists()


@pytest.mark.parametrize("value", ["three", "1x", "0.5", True, "-3x"])
def test_a_bad_detect_names_the_field(tmp_path: Path, value: object) -> None:
    path = _project(tmp_path, {"g": {**THIN, "detect": value}})
    done = run_cli("validate", "--config", str(path))
    assert done.exit_code == 2
    assert f"{path}: gates.g.detect: " in done.stderr
    assert "a budget-burn multiple above 1, e.g. `detect: 3x`" in done.stderr


def test_a_detect_beyond_the_whole_share_names_the_field(tmp_path: Path) -> None:
    gate = {**THIN, "detect": "200x", "objectives": {"baseline": ["p95-under-500ms"]}}
    done = run_cli("validate", "--config", str(_project(tmp_path, {"g": gate})))
    assert done.exit_code == 2
    assert "gates.g.detect: 200x of 'p95-under-500ms''s allowed share (0.05) is 100 % or more" in (
        done.stderr
    )


def test_shares_get_a_figure_the_rest_na(tmp_path: Path) -> None:
    gate = {
        "load": {"profile": "smoke", "rate": 60, "duration_s": 40},
        "warmup_s": 3,
        "experiments": [{"experiment": "pod-kill", "at_s": 14, "fault_s": 11}],
        "recovery_s": 12,
        "objectives": {
            "baseline": ["throughput-500rps", "startup-under-3s", "p95-under-500ms"],
            "fault": ["error-rate-under-1pct"],
        },
        "time_to_recover": {"objective": "error-rate-under-1pct"},
    }
    plan = plan_gate(load_config(_project(tmp_path, {"g": gate})), "g")
    lines = [figure.line() for figure in detection_figures(plan)]
    assert lines == [
        "baseline: throughput-500rps: n/a (not a share of requests)",
        "baseline: startup-under-3s: n/a (not a share of requests)",
        "baseline: p95-under-500ms: detects a share slower than 0.5 s of 8.48 % or worse "
        "(1.7x budget burn) with 90 % power over 474-847 requests",
        "fault:pod-kill: error-rate-under-1pct: detects an error rate of 2.98 % or worse "
        "(3.0x budget burn) with 90 % power over 474-847 requests",
        "after each fault: time-to-recover: n/a (not a share of requests)",
    ]


def test_validate_prints_what_each_shipped_gate_detects() -> None:
    done = run_cli("validate", "--config", str(REPO / "slogate.yaml"), cwd=REPO)
    assert done.exit_code == 0, done.stderr
    assert (
        "    baseline: availability: detects an error rate of 0.286 % or worse (2.9x budget "
        "burn) with 90 % power over 4,965-6,736 requests\n" in done.stdout
    )
    assert "warning" not in done.stderr


def test_shipped_gates_detect_a_3x_burn_with_90_percent_power() -> None:
    config = load_config(REPO / "slogate.yaml")
    for name in SIZED_FOR_3X:
        assert config.gates[name].detect == 3.0, name
        plan = plan_gate(config, name, REPO / "loadtests")
        assert plan.duration_s <= 180, name
        for figure in detection_figures(plan):
            if figure.applicable:
                assert figure.meets_requirement, (name, figure.line())
                low, high = figure.requests_low or 0, figure.requests_high or 0
                allowed = figure.allowed_bad_share or 0.0
                assert worst_power(low, high, 3 * allowed, allowed) >= 0.90, (name, figure)


def test_readme_states_each_gates_power_at_3x() -> None:
    """The README's detection table gives, per gate, the smallest error rate its baseline (or,
    for rolling-restart, fault) availability detects and its power against a 3x burn."""
    readme = (REPO / "README.md").read_text()
    config = load_config(REPO / "slogate.yaml")
    stated_phase = {
        name: "fault" if name == "rolling-restart" else "baseline" for name in SIZED_FOR_3X
    }
    for name, phase in stated_phase.items():
        plan = plan_gate(config, name, REPO / "loadtests")
        figure = next(
            f for f in detection_figures(plan)
            if f.phase.startswith(phase) and f.objective == "availability"
        )  # fmt: skip
        low, high = figure.requests_low or 0, figure.requests_high or 0
        power = worst_power(low, high, 0.003, 0.001)
        share = (figure.min_detectable_share or 0.0) * 100
        stated = f"{share:.2f} % errors ({power * 100:.0f} % power at 3x)"
        row = next(line for line in readme.splitlines() if line.startswith(f"| `{name}` | {phase}"))
        assert stated in row, (row, stated)

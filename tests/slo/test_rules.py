"""Generated rules pass promtool; promtool unit tests show each alert firing and not."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from slogate.slo.rules import BURN_ALERTS, promtool_problems, slo_rules, write_rule_files
from slogate.slo.spec import load_spec
from tests.support.cli import run_cli

HERE = Path(__file__).parent
REPO = HERE.parents[1]
SHIPPED = REPO / "slo" / "target-service.yaml"


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["promtool", *args], capture_output=True, text=True, timeout=120)


def test_burn_rate_factors_follow_the_sre_workbook_for_30_days():
    assert [b.factor(30 * 86400) for b in BURN_ALERTS] == [14.4, 6.0, 1.0]
    assert [(b.long, b.short) for b in BURN_ALERTS] == [("1h", "5m"), ("6h", "30m"), ("3d", "6h")]


def test_shipped_spec_rules_pass_promtool_check(tmp_path):
    written = write_rule_files(load_spec(SHIPPED), tmp_path)
    result = _promtool("check", "rules", *map(str, written))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_rules_cover_ratio_objectives_at_every_place_but_not_throughput():
    groups = slo_rules(load_spec(SHIPPED))["groups"]
    alerts = groups[1]["rules"]
    covered = {(a["labels"]["objective"], a["labels"]["place"]) for a in alerts}
    assert ("availability", "edge") in covered
    assert ("p95-under-500ms", "client") in covered
    assert not any(objective.startswith(("throughput", "startup")) for objective, _ in covered)
    fast = next(a for a in alerts if a["alert"] == "SLOFastBurn")
    assert "(14.4 * 0.001)" in fast["expr"]


@pytest.mark.parametrize("test_file", ["slo_alerts_test.yaml", "operational_alerts_test.yaml"])
def test_promtool_unit_tests_show_alerts_firing_and_not(tmp_path, test_file):
    write_rule_files(load_spec(HERE / "rules_tests" / "spec.yaml"), tmp_path)
    shutil.copy(HERE / "rules_tests" / test_file, tmp_path / test_file)
    result = _promtool("test", "rules", str(tmp_path / test_file))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_rules_command_writes_both_files(tmp_path):
    out = tmp_path / "out"
    result = run_cli("rules", str(SHIPPED), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "target-operational.rules.yml",
        "target-service.slo.rules.yml",
    ]
    assert result.stdout.splitlines() == [
        f"wrote {out / 'target-service.slo.rules.yml'}",
        f"wrote {out / 'target-operational.rules.yml'}",
        "promtool check rules: ok",
    ]


def test_promtool_checks_what_slogate_wrote(tmp_path):
    """The self-check itself: promtool's complaint comes back as text (and None when fine)."""
    good = write_rule_files(load_spec(SHIPPED), tmp_path / "good")
    assert promtool_problems(good) is None
    bad = tmp_path / "bad.rules.yml"
    bad.write_text("groups:\n- name: g\n  rules:\n  - record: r\n    expr: 'x{a=\"1\"} or or y'\n")
    problems = promtool_problems([bad])
    assert problems is not None and "bad.rules.yml" in problems and "parse error" in problems


def test_rules_command_rejects_a_bad_spec(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: slogate.dev/v1\nkind: SLO\n")
    result = run_cli("rules", str(bad))
    assert result.exit_code == 2
    assert f"{bad}: metadata: Field required" in result.stderr
    assert "Traceback" not in result.stderr

"""Failing objectives first, in summary.md and in the terminal tables of `slogate run` and
`slogate check` (and `slogate load --ui`), with ✓/✗ and colour only on a terminal with
NO_COLOR unset: CI logs and pipes get the plain words."""

from __future__ import annotations

import io
import os

import pytest
from rich.console import Console

from slogate.cli.decoration import decorated
from slogate.cli.run import verdict_table
from slogate.cli.slo_table import print_table
from slogate.report.summary import to_markdown
from slogate.slo.evaluate import CheckReport
from tests.report.scenarios import SCENARIOS

ESCAPE = "\x1b["


def test_summary_lists_failing_objectives_first():
    report = SCENARIOS["failing_regression"]()
    rows = [line for line in to_markdown(report).splitlines() if line.startswith("| ✅")
            or line.startswith("| ❌") or line.startswith("| ⚠️")]  # fmt: skip
    icons = [row.split("|")[1].strip() for row in rows]
    assert icons[:4] == ["❌"] * 4  # the 4 FAILs of the fault phase lead
    assert "✅" not in icons[:4]
    # within each verdict the phases keep their order (baseline before fault before recovery)
    passes = [row.split("|")[2].strip() for row in rows if row.startswith("| ✅")]
    phases = [p for i, p in enumerate(passes) if i == 0 or passes[i - 1] != p]
    assert phases == ["baseline", "fault", "recovery"]


def test_the_gate_table_is_plain_in_ci_and_decorated_on_a_terminal():
    report = SCENARIOS["failing_regression"]()
    plain = verdict_table(report).splitlines()
    assert plain[0].split()[:4] == ["phase", "objective", "place", "verdict"]
    assert [line.split()[3] for line in plain[1:5]] == ["FAIL"] * 4
    assert all(line.split()[3] == "PASS" for line in plain[5:22])
    assert ESCAPE not in "\n".join(plain) and "✗" not in "\n".join(plain)
    fancy = verdict_table(report, decorate=True).splitlines()
    assert "\x1b[31m✗ FAIL" in fancy[1]
    assert "\x1b[32m✓ PASS" in fancy[5]


def _check_report() -> CheckReport:
    report = SCENARIOS["failing_regression"]()
    fault = next(p for p in report.phases if p.phase == "fault")
    return CheckReport(
        slo="target-service",
        prometheus_url="http://prometheus:9090",
        window=fault.window,
        scrape_interval_s=1.0,
        results=fault.results,
    )


def _printed(terminal: bool) -> str:
    stream = io.StringIO()
    print_table(_check_report(), Console(file=stream, force_terminal=terminal, width=250))
    return stream.getvalue()


def test_the_check_table_leads_with_failures_and_marks_them_on_a_terminal(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    text = _printed(terminal=True)
    assert "✗ FAIL" in text and "✓ PASS" in text and ESCAPE in text
    assert text.index("✗ FAIL") < text.index("✓ PASS")
    plain = _printed(terminal=False)
    assert "✗" not in plain and "✓" not in plain and ESCAPE not in plain
    assert plain.index("FAIL") < plain.index("PASS")
    monkeypatch.setenv("NO_COLOR", "1")
    assert "✗" not in _printed(terminal=True)


def test_decoration_needs_a_terminal_and_no_no_color(monkeypatch):
    """A real pseudo-terminal, and a pipe."""
    leader, follower = os.openpty()
    read_end, write_end = os.pipe()
    try:
        with open(follower, "w", closefd=False) as tty, open(write_end, "w", closefd=False) as pipe:
            monkeypatch.delenv("NO_COLOR", raising=False)
            assert decorated(tty) is True
            assert decorated(pipe) is False
            monkeypatch.setenv("NO_COLOR", "1")
            assert decorated(tty) is False
            monkeypatch.setenv("NO_COLOR", "")  # empty: as if unset (no-color.org)
            assert decorated(tty) is True
    finally:
        for fd in (leader, follower, read_end, write_end):
            os.close(fd)


@pytest.mark.parametrize("name", ["passing_smoke", "inconclusive"])
def test_nothing_failing_keeps_the_phase_order(name):
    report = SCENARIOS[name]()
    plain = verdict_table(report).splitlines()[1:]
    gating = [line for line in plain if "(not gating)" not in line]
    verdicts = [line.split()[3] for line in gating]
    assert verdicts == sorted(verdicts, key=["FAIL", "INCONCLUSIVE", "PASS"].index)

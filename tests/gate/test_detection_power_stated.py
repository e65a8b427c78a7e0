"""Every place that states the power a gate's detection figures promise says what the code
computes (`slogate.slo.power.DETECTION_POWER`, 90 %, as issue 11 settled): the README,
slogate.yaml's comments, docs/, the `detect` setting's description, the summary's table header
and the message of a fault phase extended for `detect:`. (The shared design notes said 95 %.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from slogate.config import GateConfig
from slogate.report.summary import to_markdown
from slogate.slo.power import DETECTION_POWER
from tests.report.test_detection_and_reconciliation import report
from tests.support.cli import REPO

PERCENT = f"{DETECTION_POWER * 100:.0f}"
# "90 % power" as a promise; not a computed figure ("(93 % power at 3x)")
STATED = re.compile(r"(\d+)\s*%\s+power(?!\s+at\s)")
DOCUMENTS = [REPO / "README.md", REPO / "slogate.yaml", *sorted((REPO / "docs").rglob("*.md"))]


def stated_powers(text: str) -> set[str]:
    return set(STATED.findall(text))


def test_the_pattern_sees_a_promise_and_not_a_figure() -> None:
    assert stated_powers("FAILs with\n95 % power (worst case); (93 % power at 3x)") == {"95"}


def test_the_readme_and_slogate_yaml_state_the_power() -> None:
    for path in (REPO / "README.md", REPO / "slogate.yaml"):
        assert stated_powers(path.read_text()) == {PERCENT}, path


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(REPO)))
def test_no_document_states_another_power(path: Path) -> None:
    assert stated_powers(path.read_text()) <= {PERCENT}


def test_the_detect_setting_and_the_summary_state_the_power() -> None:
    description = GateConfig.model_fields["detect"].description or ""
    assert stated_powers(description) == {PERCENT}
    header = next(line for line in to_markdown(report()).splitlines() if "smallest breach" in line)
    assert stated_powers(header) == {PERCENT}

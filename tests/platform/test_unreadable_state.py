"""`slogate down` with a corrupt state file: it still stops every process of the stack (found
through the stack's folder), says what it did, keeps the file aside, and a new `up` works."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.platform.conftest import Slogate, marked_processes
from tests.platform.test_stack import assert_nothing_left, up

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("damage", ["{ not json", "", '{"stack": "broken"}'])
def test_down_stops_a_stack_whose_state_file_is_unreadable(
    slogate: Slogate, tiny_stack_config: Any, tmp_path: Path, damage: str
) -> None:
    tiny_stack_config(service={"replicas": 2})
    state = up(slogate, "broken")
    assert len(marked_processes(tmp_path)) >= 5  # supervisor, 2 replicas, edge, prometheus, redis
    state_file = slogate.home / "stacks" / "broken" / "state.json"
    state_file.write_text(damage)
    refused = slogate.cli("up", "--stack", "broken")
    assert refused.exit_code == 2 and "slogate down --stack broken" in refused.stderr
    result = slogate.cli("down", "--stack", "broken")
    assert result.exit_code == 0, result.stderr
    assert "the state file could not be read" in result.stderr
    assert "stopped" in result.stderr and "process(es) found in" in result.stderr
    assert "stack 'broken' is down" in result.stdout
    assert_nothing_left(state, slogate, tmp_path)
    (kept,) = state_file.parent.glob("state.unreadable-*")
    assert kept.read_text() == damage
    assert up(slogate, "broken").stack == "broken"  # a clean start after it
    assert slogate.cli("down", "--stack", "broken").exit_code == 0

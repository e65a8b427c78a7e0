"""`slogate load` refuses bad input with exit 2 and a message naming the fix."""

from __future__ import annotations

import pytest

from tests.load.support import run_load


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope", "--host", "http://127.0.0.1:9"], "unknown load profile 'nope'; known profiles"),
        (["smoke", "--stack", "absent"], "stack 'absent' is not up: start it with `slogate up"),
        (["smoke", "--host", "http://127.0.0.1:9", "--rate", "-1"], "--rate must be positive"),
        (["smoke", "--workers", "-1"], "Invalid value for '--workers'"),
    ],
)
def test_bad_input_exits_2(tmp_path, args, message):
    result, summary = run_load(tmp_path, *args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert summary is None


def test_unreachable_target_is_an_infrastructure_failure(tmp_path):
    from tests.support.waiting import free_port

    result, _ = run_load(tmp_path, "smoke", "--host", f"http://127.0.0.1:{free_port()}")
    assert result.returncode == 4
    assert "does not answer" in result.stderr

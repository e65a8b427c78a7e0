"""Journal verdicts: named journals, the exit code each maps to, and the reason given."""

from __future__ import annotations

from typing import Any

import pytest

from slogate.chaos.journal import verdict_of_journal
from slogate.errors import ExitCode


def _probe(name: str, ok: bool) -> dict[str, Any]:
    return {"activity": {"name": name}, "status": "succeeded", "tolerance_met": ok}


def _state(ok: bool) -> dict[str, Any]:
    return {"steady_state_met": ok, "probes": [_probe("error-rate", ok)]}


def _run(name: str, status: str) -> dict[str, Any]:
    run: dict[str, Any] = {"activity": {"name": name}, "status": status}
    if status == "failed":
        run["exception"] = ["Traceback", "ActivityFailed: the supervisor refused kill\n"]
    return run


PASSED = {
    "status": "completed",
    "deviated": False,
    "steady_states": {"before": _state(True), "after": _state(True)},
    "run": [_run("kill", "succeeded")],
    "rollbacks": [_run("clear", "succeeded")],
}

JOURNALS: dict[str, tuple[dict[str, Any], ExitCode, str]] = {
    "passed": (PASSED, ExitCode.OK, ""),
    # chaos run exits 0 here: the method never ran
    "broken before the method": (
        {**PASSED, "steady_states": {"before": _state(False), "after": None}, "run": []},
        ExitCode.INCONCLUSIVE,
        "steady state not met before the method (error-rate)",
    ),
    "deviated": (
        {
            **PASSED,
            "deviated": True,
            "steady_states": {"before": _state(True), "after": _state(False)},
        },
        ExitCode.BREACHED,
        "deviated: steady state not met after the method (error-rate)",
    ),
    "action failed": (
        {**PASSED, "run": [_run("kill", "failed")]},
        ExitCode.INFRASTRUCTURE,
        "method activity failed: kill: ActivityFailed: the supervisor refused kill",
    ),
    "action failed and deviated: 4 wins": (
        {**PASSED, "deviated": True, "run": [_run("kill", "failed")]},
        ExitCode.INFRASTRUCTURE,
        "method activity failed",
    ),
    "rollback failed": (
        {**PASSED, "rollbacks": [_run("clear", "failed")]},
        ExitCode.INFRASTRUCTURE,
        "rollback failed: clear",
    ),
    "interrupted": (
        {**PASSED, "status": "interrupted", "steady_states": {"before": _state(True)}},
        ExitCode.INTERRUPTED,
        "interrupted",
    ),
    "an action cut by SIGTERM is an interruption, not a failure": (
        {
            **PASSED,
            "status": "completed",
            "run": [
                {
                    **_run("inject", "failed"),
                    "exception": ["ActivityFailed: InterruptExecution: SIGTERM signal received"],
                }
            ],
        },
        ExitCode.INTERRUPTED,
        "interrupted",
    ),
    "aborted": ({**PASSED, "status": "aborted"}, ExitCode.INFRASTRUCTURE, "aborted"),
}


@pytest.mark.parametrize("name", list(JOURNALS))
def test_a_journal_maps_to_its_exit_code_with_a_reason(name: str) -> None:
    journal, expected, reason = JOURNALS[name]
    verdict = verdict_of_journal(journal)
    assert verdict.exit_code is expected
    assert reason in " | ".join(verdict.reasons)

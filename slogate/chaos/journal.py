"""Read Chaos Toolkit's journal instead of trusting `chaos run`'s exit code.

`chaos run` exits 0 when the steady state was already broken before the method (status
"completed", the method never ran), and writes no journal at all when it is SIGKILLed. The
verdict of an experiment comes from its journal.json:

    interrupted (also an activity cut by SIGTERM) 130
    an action or probe of the method failed,      4   (infrastructure: the experiment could
      a rollback failed, or the run aborted            not do what it meant to)
    deviated (steady state not met after), or     1
      an after-method probe failed
    steady state not met before the method        3   INCONCLUSIVE: nothing was tested
    otherwise                                     0

When several apply, slogate's precedence decides (errors.combine_exit_codes).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slogate.errors import ExitCode, combine_exit_codes


@dataclass
class JournalVerdict:
    """The exit code of one experiment run and the reasons for it."""

    exit_code: ExitCode
    status: str
    reasons: list[str] = field(default_factory=list)


def _failed_probes(state: dict[str, Any] | None) -> list[str]:
    if not state:
        return []
    return [
        str(p.get("activity", {}).get("name", "?"))
        for p in state.get("probes", [])
        if p.get("status") != "succeeded" or p.get("tolerance_met") is False
    ]


def _interrupted_run(run: dict[str, Any]) -> bool:
    """An activity that 'failed' only because the run was interrupted (SIGTERM inside it)."""
    return "InterruptExecution" in "".join(run.get("exception") or [])


def _failed_runs(runs: list[dict[str, Any]] | None) -> list[str]:
    return [
        f"{r.get('activity', {}).get('name', '?')}: {r.get('exception') and r['exception'][-1]}"
        for r in runs or []
        if r.get("status") == "failed" and not _interrupted_run(r)
    ]


def verdict_of_journal(journal: dict[str, Any]) -> JournalVerdict:
    """Map a journal to slogate's exit codes."""
    status = str(journal.get("status"))
    codes: list[ExitCode] = []
    reasons: list[str] = []
    steady = journal.get("steady_states") or {}
    before = steady.get("before")
    cut = (journal.get("run") or []) + (journal.get("rollbacks") or [])
    if status == "interrupted" or any(_interrupted_run(r) for r in cut):
        codes.append(ExitCode.INTERRUPTED)
        reasons.append("the experiment was interrupted")
    if status == "aborted":
        codes.append(ExitCode.INFRASTRUCTURE)
        reasons.append("Chaos Toolkit aborted the experiment (see its log)")
    method_failures = _failed_runs(journal.get("run"))
    if method_failures:
        codes.append(ExitCode.INFRASTRUCTURE)
        reasons.append("method activity failed: " + "; ".join(method_failures))
    rollback_failures = _failed_runs(journal.get("rollbacks"))
    if rollback_failures:
        codes.append(ExitCode.INFRASTRUCTURE)
        reasons.append("rollback failed: " + "; ".join(rollback_failures))
    if before is not None and not before.get("steady_state_met", False):
        codes.append(ExitCode.INCONCLUSIVE)
        names = ", ".join(_failed_probes(before)) or "?"
        reasons.append(f"steady state not met before the method ({names}): nothing was tested")
    elif journal.get("deviated"):
        codes.append(ExitCode.BREACHED)
        names = ", ".join(_failed_probes(steady.get("after"))) or "?"
        reasons.append(f"deviated: steady state not met after the method ({names})")
    elif status == "failed":
        codes.append(ExitCode.BREACHED)
        reasons.append("a steady-state probe failed")
    if not codes and status != "completed":
        codes.append(ExitCode.INFRASTRUCTURE)
        reasons.append(f"unexpected journal status {status!r}")
    return JournalVerdict(combine_exit_codes(codes), status, reasons)


def read_journal(path: Path) -> dict[str, Any] | None:
    """The journal, or None when there is none (SIGKILLed, or never started)."""
    try:
        journal: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return journal

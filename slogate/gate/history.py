"""After a gate run: the stack's history in the report folder, and no leftover stack folder.

The fault ledger (`ledger.jsonl`) and the parts' logs are copied into reports/<run-id>/; the
folder of a stack the run named itself (`gate-<time>-<pid>`) is then removed, unless a fault
in its ledger is still open (the next sweep of that stack needs the ledger).
"""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

from slogate.chaos.ledger import FaultLedger
from slogate.platform.state import stack_dir


def keep_stack_history(stack: str, report_folder: Path, remove: bool) -> str | None:
    """Copy the history; remove the stack folder if `remove` and nothing is open. A note for
    the report when the folder had to be kept."""
    folder = stack_dir(stack)
    ledger = FaultLedger(stack)
    with contextlib.suppress(OSError):
        if ledger.path.exists():
            shutil.copy2(ledger.path, report_folder / "ledger.jsonl")
        logs = folder / "run" / "logs"
        if logs.is_dir():
            shutil.copytree(logs, report_folder / "stack-logs", dirs_exist_ok=True)
    if not remove or not folder.exists():
        return None
    still_open = ledger.open_faults()
    if still_open:
        return (
            f"kept {folder}: {len(still_open)} fault(s) still open in its ledger "
            f"(`slogate chaos` or `slogate run --stack {stack}` sweeps them)"
        )
    shutil.rmtree(folder, ignore_errors=True)
    return None

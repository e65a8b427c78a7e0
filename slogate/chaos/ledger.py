"""The fault ledger: an append-only JSONL record of every fault a run injects.

Faults never outlive a run. To make that hold even when the harness dies, every fault is
written here *before* it is applied (`intent`), then `applied`, and finally `rolled_back` or
`expired` (or `failed` when applying it went wrong). Each entry carries the stack and run id,
the fault's TTL at the injector, and a `rollback` descriptor saying how to remove it, so that
any later process (the run's own signal handler, `slogate down`, the next run's sweep) can
roll it back without knowing what created it.

The file lives in the stack's folder (`.slogate/stacks/NAME/ledger.jsonl`); writes take a file
lock so concurrent writers (slogate, Chaos Toolkit's activity process) never interleave lines.
The ledger also gives the report its fault windows; a gate tags each entry with the id of the
experiment that injected it (`experiment`, optional, so older ledgers still parse).
"""

from __future__ import annotations

import json
import time
import uuid
from enum import StrEnum
from pathlib import Path
from typing import Any

from filelock import FileLock
from pydantic import BaseModel, ConfigDict, Field

from slogate.platform.state import stack_dir

LOCK_TIMEOUT_S = 10.0


class FaultEvent(StrEnum):
    """What happened to a fault."""

    INTENT = "intent"
    APPLIED = "applied"
    FAILED = "failed"
    ROLLED_BACK = "rolled_back"
    EXPIRED = "expired"


CLOSING_EVENTS = frozenset({FaultEvent.FAILED, FaultEvent.ROLLED_BACK, FaultEvent.EXPIRED})


class Rollback(BaseModel):
    """How to remove a fault: which injector, where, and its id there."""

    model_config = ConfigDict(extra="forbid")

    via: str = Field(
        description="target_fault | supervisor_fault | toxiproxy | kubernetes_scale | "
        "kubernetes_pod_proxy | chaos_mesh | none (healed by the platform)"
    )
    url: str | None = None
    injector_id: str | None = Field(default=None, description="the fault's id at the injector")
    detail: dict[str, Any] = Field(default_factory=dict)
    ttl_at_injector: bool = Field(
        default=True,
        description="the injector ends the fault at its TTL; false (a Deployment scaled to 0: "
        "nothing ends it; a NetworkChaos: Chaos Mesh ends the fault, the object stays): a "
        "rollback removes it even past its TTL",
    )


class LedgerEntry(BaseModel):
    """One line of the ledger."""

    model_config = ConfigDict(extra="forbid")

    ts: float
    stack: str
    run_id: str
    fault_id: str
    event: FaultEvent
    kind: str = Field(description="e.g. latency, errors, readiness_off, redis_stop, replica_kill")
    target: str = Field(description="what the fault hits: replica-0, redis, all-replicas, ...")
    ttl_s: float
    expires_at: float
    rollback: Rollback | None = None
    message: str = ""
    experiment: str | None = Field(
        default=None, description="the gate's id of the experiment that injected it (optional)"
    )


class Fault(BaseModel):
    """A fault as the ledger knows it: its latest state and its window."""

    fault_id: str
    run_id: str
    kind: str
    target: str
    state: FaultEvent
    intended_at: float
    applied_at: float | None
    ended_at: float | None
    expires_at: float
    rollback: Rollback | None
    experiment: str | None = None

    def disturbed_until(self, otherwise: float) -> float:
        """When the fault stopped disturbing: its close (`otherwise` while open), and at the
        latest its expiry when the injector ends it there although its record stays (a Chaos
        Mesh NetworkChaos past its `duration`, deleted by a later rollback)."""
        end = self.ended_at if self.ended_at is not None else otherwise
        if self.rollback is not None and self.rollback.via == "chaos_mesh":
            return min(end, self.expires_at)
        return end

    @property
    def is_open(self) -> bool:
        """Intended or applied, and not yet closed: it may still be active at the injector."""
        return self.state not in CLOSING_EVENTS


def new_fault_id() -> str:
    """A short unique id for a fault."""
    return uuid.uuid4().hex[:12]


class FaultLedger:
    """The ledger of one stack."""

    def __init__(self, stack: str, path: Path | None = None) -> None:
        self.stack = stack
        self.path = path if path is not None else stack_dir(stack) / "ledger.jsonl"
        self._lock = FileLock(str(self.path) + ".lock", timeout=LOCK_TIMEOUT_S)

    def append(self, entry: LedgerEntry) -> None:
        """Append one entry, flushed and fsynced, under the file lock."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = entry.model_dump_json() + "\n"
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()

    def record(
        self,
        event: FaultEvent,
        *,
        run_id: str,
        fault_id: str,
        kind: str,
        target: str,
        ttl_s: float,
        expires_at: float | None = None,
        rollback: Rollback | None = None,
        message: str = "",
        experiment: str | None = None,
    ) -> LedgerEntry:
        """Build and append an entry; returns it."""
        now = time.time()
        entry = LedgerEntry(
            ts=now,
            stack=self.stack,
            run_id=run_id,
            fault_id=fault_id,
            event=event,
            kind=kind,
            target=target,
            ttl_s=ttl_s,
            expires_at=expires_at if expires_at is not None else now + ttl_s,
            rollback=rollback,
            message=message,
            experiment=experiment,
        )
        self.append(entry)
        return entry

    def entries(self) -> list[LedgerEntry]:
        """Every entry, in order. A torn last line (a writer killed mid-write) is skipped."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        result = []
        for line in lines:
            try:
                result.append(LedgerEntry.model_validate(json.loads(line)))
            except ValueError:
                continue
        return result

    def faults(self, run_id: str | None = None) -> list[Fault]:
        """Faults folded from the entries (latest state each), optionally of one run."""
        folded: dict[str, Fault] = {}
        for entry in self.entries():
            if run_id is not None and entry.run_id != run_id:
                continue
            fault = folded.get(entry.fault_id)
            if fault is None:
                fault = Fault(
                    fault_id=entry.fault_id,
                    run_id=entry.run_id,
                    kind=entry.kind,
                    target=entry.target,
                    state=entry.event,
                    intended_at=entry.ts,
                    applied_at=None,
                    ended_at=None,
                    expires_at=entry.expires_at,
                    rollback=entry.rollback,
                    experiment=entry.experiment,
                )
                folded[entry.fault_id] = fault
            if fault.state in CLOSING_EVENTS:
                continue  # a fault closes once; later duplicates change nothing
            fault.state = entry.event
            fault.expires_at = entry.expires_at
            if entry.rollback is not None:
                fault.rollback = entry.rollback
            fault.experiment = fault.experiment or entry.experiment
            if entry.event is FaultEvent.APPLIED:
                fault.applied_at = entry.ts
            elif entry.event in CLOSING_EVENTS:
                fault.ended_at = entry.ts
        return list(folded.values())

    def open_faults(self, run_id: str | None = None) -> list[Fault]:
        """Faults that may still be active (intended or applied, not closed)."""
        return [fault for fault in self.faults(run_id) if fault.is_open]

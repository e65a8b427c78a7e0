"""Roll back open faults from the ledger alone, by their Rollback descriptors.

Used by the experiments' rollbacks, by `slogate chaos` after Chaos Toolkit ends (whatever it
did: interrupted, crashed, SIGKILLed), and by the sweep at the start of the next run. It needs
no knowledge of what created a fault: the descriptor's `via` names the injector, and the
platform that owns that injector removes it (platform/registry.py; the local platform's in
platform/local/fault_removal.py). `via: none` is a fault the platform heals itself: closed;
a `via` no platform here knows is reported as an error and left open.

Idempotent: "no such fault" at the injector means it is already gone (closed as rolled_back),
an injector that refuses connections has died and taken its faults with it (closed too), and a
fault past its TTL was removed by its injector (closed as expired), unless its descriptor
says the TTL does not remove it (a Deployment scaled to 0; a NetworkChaos, whose fault Chaos
Mesh ends but whose object stays): that one is always removed.
Every call has a timeout; a fault that could not be removed stays open and is reported.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import httpx

from slogate.chaos.ledger import Fault, FaultEvent, FaultLedger
from slogate.errors import SlogateError
from slogate.platform.base import FaultNotRemoved
from slogate.platform.registry import platform_for_via

EXPIRY_MARGIN_S = 1.0  # the injector ends a fault at its TTL; allow for its tick


@dataclass
class RollbackReport:
    """What one rollback pass did."""

    closed: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def roll_back_faults(
    ledger: FaultLedger,
    stack: str,
    run_id: str | None = None,
    kinds: set[str] | None = None,
    now: float | None = None,
) -> RollbackReport:
    """Remove every open fault of `run_id` (or of the whole stack when None)."""
    report = RollbackReport()
    for fault in ledger.open_faults(run_id):
        if kinds is not None and fault.kind not in kinds:
            continue
        moment = time.time() if now is None else now
        enforced = fault.rollback is None or fault.rollback.ttl_at_injector
        if enforced and moment > fault.expires_at + EXPIRY_MARGIN_S:
            _close(ledger, stack, fault, FaultEvent.EXPIRED, "past its TTL at the injector")
            report.expired.append(fault.fault_id)
            continue
        try:
            message = _remove(stack, fault)
        except (httpx.HTTPError, SlogateError, FaultNotRemoved) as error:
            report.errors.append(f"{fault.kind} on {fault.target} ({fault.fault_id}): {error}")
            continue
        _close(ledger, stack, fault, FaultEvent.ROLLED_BACK, message)
        report.closed.append(fault.fault_id)
    return report


def _close(ledger: FaultLedger, stack: str, fault: Fault, event: FaultEvent, message: str) -> None:
    ledger.record(
        event,
        run_id=fault.run_id,
        fault_id=fault.fault_id,
        kind=fault.kind,
        target=fault.target,
        ttl_s=0,
        expires_at=fault.expires_at,
        message=message,
    )


def _remove(stack: str, fault: Fault) -> str:
    rollback = fault.rollback
    if rollback is None or rollback.via == "none":
        return "nothing to remove"
    platform = platform_for_via(rollback.via)
    if platform is None:
        raise FaultNotRemoved(f"rollback via {rollback.via!r} is not supported on this platform")
    return platform.remove_fault(stack, fault)

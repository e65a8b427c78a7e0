"""Roll back open faults from the ledger alone, by their Rollback descriptors.

Used by the experiments' rollbacks, by `slogate chaos` after Chaos Toolkit ends (whatever it
did: interrupted, crashed, SIGKILLed), and by the sweep at the start of the next run. It needs
no knowledge of what created a fault:

    via "target_fault"      DELETE {replica}/admin/faults/{id}; without an id (the writer died
                            between intent and applied) DELETE {replica}/admin/faults (all)
    via "supervisor_fault"  DELETE {supervisor}/faults/{id}; without an id, every active fault
                            of that part applied since the intent
    via "none"              nothing to remove (the platform heals it): closed
    via "kubernetes"        not on this platform: reported as an error, left open

Idempotent: "no such fault" at the injector means it is already gone (closed as rolled_back),
an injector that refuses connections has died and taken its faults with it (closed too), and a
fault past its TTL was removed by its injector (closed as expired). Every call has a timeout;
a fault that could not be removed stays open and is reported.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import httpx

from slogate.chaos.ledger import Fault, FaultEvent, FaultLedger
from slogate.errors import SlogateError
from slogate.platform.local.admin_token import read_admin_token

HTTP_TIMEOUT_S = 5.0
EXPIRY_MARGIN_S = 1.0  # the injector ends a fault at its TTL; allow for its tick


class _Gone(Exception):
    """The fault is not at the injector any more."""


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
        if moment > fault.expires_at + EXPIRY_MARGIN_S:
            _close(ledger, stack, fault, FaultEvent.EXPIRED, "past its TTL at the injector")
            report.expired.append(fault.fault_id)
            continue
        try:
            message = _remove(stack, fault)
        except (httpx.HTTPError, SlogateError, _Unremovable) as error:
            report.errors.append(f"{fault.kind} on {fault.target} ({fault.fault_id}): {error}")
            continue
        _close(ledger, stack, fault, FaultEvent.ROLLED_BACK, message)
        report.closed.append(fault.fault_id)
    return report


class _Unremovable(Exception):
    """The injector answered, but did not remove the fault."""


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
    if rollback.url is None:
        raise _Unremovable(f"rollback via {rollback.via} has no URL")
    try:
        if rollback.via == "target_fault":
            return _remove_target_fault(stack, rollback.url, rollback.injector_id)
        if rollback.via == "supervisor_fault":
            part = str(rollback.detail.get("part", fault.target))
            return _remove_supervisor_fault(rollback.url, rollback.injector_id, part, fault)
    except httpx.ConnectError:
        return "injector not running: the fault ended with it"
    raise _Unremovable(f"rollback via {rollback.via!r} is not supported on this platform")


def _remove_target_fault(stack: str, url: str, injector_id: str | None) -> str:
    headers = {"Authorization": f"Bearer {read_admin_token(stack)}"}
    path = f"{url}/admin/faults" + (f"/{injector_id}" if injector_id else "")
    response = httpx.delete(path, headers=headers, timeout=HTTP_TIMEOUT_S)
    if response.status_code == 404:
        return "already gone at the injector"
    if response.status_code != 204:
        raise _Unremovable(f"DELETE {path} answered {response.status_code}")
    return "removed" if injector_id else "removed (all faults of the replica: no id recorded)"


def _remove_supervisor_fault(url: str, injector_id: str | None, part: str, fault: Fault) -> str:
    if injector_id is None:
        response = httpx.get(f"{url}/faults", timeout=HTTP_TIMEOUT_S)
        response.raise_for_status()
        ids = [
            str(f["id"])
            for f in response.json()
            if f["active"] and f["part"] == part and f["applied_at"] >= fault.intended_at - 1
        ]
    else:
        ids = [injector_id]
    for fault_id in ids:
        response = httpx.delete(f"{url}/faults/{fault_id}", timeout=HTTP_TIMEOUT_S)
        if response.status_code in (400, 404) and "no fault" in response.text:
            continue
        if response.status_code != 200:
            raise _Unremovable(f"DELETE {url}/faults/{fault_id} answered {response.status_code}")
    return "removed" if ids else "already gone at the injector"

"""Removing a local fault from its ledger Rollback descriptor alone (see chaos/rollback.py).

    via "target_fault"      DELETE {replica}/admin/faults/{id}; without an id (the writer died
                            between intent and applied) DELETE {replica}/admin/faults (all)
    via "supervisor_fault"  DELETE {supervisor}/faults/{id}; without an id, every active fault
                            of that part applied since the intent
    via "toxiproxy"         DELETE {toxiproxy}/proxies/{proxy}/toxics/{toxic}; the toxic's name
                            is recorded with the intent, so it needs no injector id

An injector that refuses connections has died and taken its faults with it; "no such fault"
means it is already gone. Both injectors need the stack's admin token; without its file an
injector that still runs answers 401, which is reported. Every call has a timeout.
"""

from __future__ import annotations

import httpx

from slogate.chaos.ledger import Fault
from slogate.errors import InfrastructureError
from slogate.platform.base import FaultNotRemoved
from slogate.platform.local import toxiproxy
from slogate.platform.stack_secrets import admin_headers

HTTP_TIMEOUT_S = 5.0


def remove_local_fault(stack: str, fault: Fault) -> str:
    """What was done; FaultNotRemoved when the injector answered but kept the fault."""
    rollback = fault.rollback
    if rollback is None or rollback.via == "none":
        return "nothing to remove"
    if rollback.url is None:
        raise FaultNotRemoved(f"rollback via {rollback.via} has no URL")
    try:
        if rollback.via == "target_fault":
            return _remove_target_fault(stack, rollback.url, rollback.injector_id)
        if rollback.via == "supervisor_fault":
            part = str(rollback.detail.get("part", fault.target))
            return _remove_supervisor_fault(stack, rollback.url, rollback.injector_id, part, fault)
        if rollback.via == "toxiproxy":
            proxy, toxic = str(rollback.detail["proxy"]), str(rollback.detail["toxic"])
            if toxiproxy.remove_toxic(rollback.url, proxy, toxic):
                return "removed"
            return "already gone at the injector"
    except httpx.ConnectError:
        return "injector not running: the fault ended with it"
    except httpx.HTTPStatusError as error:
        raise FaultNotRemoved(f"{rollback.via} answered {error.response.status_code}") from None
    raise FaultNotRemoved(f"rollback via {rollback.via!r} is not supported on this platform")


def _headers(stack: str) -> dict[str, str]:
    """The stack's token; none when its file is gone (a dead injector needs none)."""
    try:
        return admin_headers(stack)
    except InfrastructureError:
        return {}


def _refused(call: str, response: httpx.Response) -> FaultNotRemoved:
    hint = " (the stack's admin token is missing or stale)" if response.status_code == 401 else ""
    return FaultNotRemoved(f"{call} answered {response.status_code}{hint}")


def _remove_target_fault(stack: str, url: str, injector_id: str | None) -> str:
    headers = _headers(stack)
    path = f"{url}/admin/faults" + (f"/{injector_id}" if injector_id else "")
    response = httpx.delete(path, headers=headers, timeout=HTTP_TIMEOUT_S)
    if response.status_code == 404:
        return "already gone at the injector"
    if response.status_code != 204:
        raise _refused(f"DELETE {path}", response)
    return "removed" if injector_id else "removed (all faults of the replica: no id recorded)"


def _remove_supervisor_fault(
    stack: str, url: str, injector_id: str | None, part: str, fault: Fault
) -> str:
    headers = _headers(stack)
    if injector_id is None:
        response = httpx.get(f"{url}/faults", headers=headers, timeout=HTTP_TIMEOUT_S)
        if response.status_code != 200:
            raise _refused(f"GET {url}/faults", response)
        ids = [
            str(f["id"])
            for f in response.json()
            if f["active"] and f["part"] == part and f["applied_at"] >= fault.intended_at - 1
        ]
    else:
        ids = [injector_id]
    for fault_id in ids:
        response = httpx.delete(f"{url}/faults/{fault_id}", headers=headers, timeout=HTTP_TIMEOUT_S)
        if response.status_code in (400, 404) and "no fault" in response.text:
            continue
        if response.status_code != 200:
            raise _refused(f"DELETE {url}/faults/{fault_id}", response)
    return "removed" if ids else "already gone at the injector"

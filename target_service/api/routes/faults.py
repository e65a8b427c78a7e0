"""/admin/faults: inject latency, errors, readiness off and Redis latency, each with a TTL.

Mounted only when TARGET_ADMIN_ENABLED is true; every call needs the bearer token.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from target_service.api.deps import AdminFaultsDep
from target_service.core.faults import ActiveFault, FaultSpec
from target_service.domain.models import Problem

router = APIRouter(
    prefix="/admin/faults",
    tags=["admin"],
    responses={401: {"model": Problem, "description": "Missing or wrong bearer token"}},
)


@router.get("")
async def list_faults(faults: AdminFaultsDep) -> list[ActiveFault]:
    return faults.active()


@router.post("", status_code=status.HTTP_201_CREATED)
async def set_fault(spec: FaultSpec, faults: AdminFaultsDep) -> ActiveFault:
    return faults.add(spec)


@router.delete("", status_code=status.HTTP_204_NO_CONTENT)
async def clear_faults(faults: AdminFaultsDep) -> None:
    faults.clear()


@router.delete(
    "/{fault_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={404: {"model": Problem, "description": "No such fault"}},
)
async def clear_fault(fault_id: str, faults: AdminFaultsDep) -> None:
    if not faults.remove(fault_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"fault {fault_id} not found")

"""/api/v1/clinics: clinics, each belonging to one organisation."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from target_service.api.deps import API_PREFIX, PaginationDep, StoreDep
from target_service.api.responses import BAD_BODY, CONFLICT, NOT_FOUND, UNAVAILABLE, mark_stale
from target_service.domain.models import Clinic, ClinicCreate, Page
from target_service.domain.store import CLINICS

router = APIRouter(prefix=f"{API_PREFIX}/clinics", tags=["clinics"], responses=UNAVAILABLE)


@router.post("", status_code=status.HTTP_201_CREATED, responses=NOT_FOUND | BAD_BODY)
async def create_clinic(body: ClinicCreate, store: StoreDep) -> Clinic:
    """Create a clinic; 404 when its organisation does not exist."""
    return await store.create(CLINICS, body)


@router.get("")
async def list_clinics(
    store: StoreDep,
    page: PaginationDep,
    response: Response,
    organisation_id: Annotated[UUID | None, Query()] = None,
) -> Page[Clinic]:
    result = await store.list(CLINICS, page.offset, page.limit, parent_id=organisation_id)
    mark_stale(response, result.stale)
    total, items = result.value
    return Page(items=items, total=total, offset=page.offset, limit=page.limit)


@router.get("/{clinic_id}", responses=NOT_FOUND)
async def read_clinic(clinic_id: UUID, store: StoreDep, response: Response) -> Clinic:
    result = await store.get(CLINICS, clinic_id)
    mark_stale(response, result.stale)
    return result.value


@router.delete(
    "/{clinic_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND | CONFLICT
)
async def delete_clinic(clinic_id: UUID, store: StoreDep) -> None:
    await store.delete(CLINICS, clinic_id)

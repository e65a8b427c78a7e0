"""/api/v1/clinics: clinics, each belonging to one organisation."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from target_service.api.deps import API_PREFIX, PaginationDep, StoreDep
from target_service.api.responses import (
    BAD_BODY,
    CONFLICT,
    NOT_FOUND,
    UNAVAILABLE,
    page_response,
    record_response,
)
from target_service.domain.models import Clinic, ClinicCreate, Page
from target_service.domain.store import CLINICS

router = APIRouter(prefix=f"{API_PREFIX}/clinics", tags=["clinics"], responses=UNAVAILABLE)


@router.post("", status_code=status.HTTP_201_CREATED, responses=NOT_FOUND | BAD_BODY)
async def create_clinic(body: ClinicCreate, store: StoreDep) -> Clinic:
    """Create a clinic; 404 when its organisation does not exist."""
    return await store.create(CLINICS, body)


@router.get("", response_model=Page[Clinic])
async def list_clinics(
    store: StoreDep,
    page: PaginationDep,
    organisation_id: Annotated[UUID | None, Query()] = None,
) -> Response:
    result = await store.list_json(CLINICS, page.offset, page.limit, parent_id=organisation_id)
    return page_response(result, page.offset, page.limit)


@router.get("/{clinic_id}", response_model=Clinic, responses=NOT_FOUND)
async def read_clinic(clinic_id: UUID, store: StoreDep) -> Response:
    return record_response(await store.get_json(CLINICS, clinic_id))


@router.delete(
    "/{clinic_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND | CONFLICT
)
async def delete_clinic(clinic_id: UUID, store: StoreDep) -> None:
    await store.delete(CLINICS, clinic_id)

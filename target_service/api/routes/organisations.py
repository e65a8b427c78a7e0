"""/api/v1/organisations: the networks that own clinics."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response, status

from target_service.api.deps import API_PREFIX, PaginationDep, StoreDep
from target_service.api.responses import (
    BAD_BODY,
    CONFLICT,
    NOT_FOUND,
    UNAVAILABLE,
    page_response,
    record_response,
)
from target_service.domain.models import Organisation, OrganisationCreate, Page
from target_service.domain.store import ORGANISATIONS

router = APIRouter(
    prefix=f"{API_PREFIX}/organisations", tags=["organisations"], responses=UNAVAILABLE
)


@router.post("", status_code=status.HTTP_201_CREATED, responses=BAD_BODY)
async def create_organisation(body: OrganisationCreate, store: StoreDep) -> Organisation:
    return await store.create(ORGANISATIONS, body)


@router.get("", response_model=Page[Organisation])
async def list_organisations(
    store: StoreDep,
    page: PaginationDep,
) -> Response:
    result = await store.list_json(ORGANISATIONS, page.offset, page.limit)
    return page_response(result, page.offset, page.limit)


@router.get("/{organisation_id}", response_model=Organisation, responses=NOT_FOUND)
async def read_organisation(organisation_id: UUID, store: StoreDep) -> Response:
    return record_response(await store.get_json(ORGANISATIONS, organisation_id))


@router.delete(
    "/{organisation_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND | CONFLICT
)
async def delete_organisation(organisation_id: UUID, store: StoreDep) -> None:
    await store.delete(ORGANISATIONS, organisation_id)

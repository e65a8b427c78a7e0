"""/api/v1/organisations: the networks that own clinics."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response, status

from target_service.api.deps import API_PREFIX, PaginationDep, StoreDep
from target_service.api.responses import BAD_BODY, CONFLICT, NOT_FOUND, UNAVAILABLE, mark_stale
from target_service.domain.models import Organisation, OrganisationCreate, Page
from target_service.domain.store import ORGANISATIONS

router = APIRouter(
    prefix=f"{API_PREFIX}/organisations", tags=["organisations"], responses=UNAVAILABLE
)


@router.post("", status_code=status.HTTP_201_CREATED, responses=BAD_BODY)
async def create_organisation(body: OrganisationCreate, store: StoreDep) -> Organisation:
    return await store.create(ORGANISATIONS, body)


@router.get("")
async def list_organisations(
    store: StoreDep, page: PaginationDep, response: Response
) -> Page[Organisation]:
    result = await store.list(ORGANISATIONS, page.offset, page.limit)
    mark_stale(response, result.stale)
    total, items = result.value
    return Page(items=items, total=total, offset=page.offset, limit=page.limit)


@router.get("/{organisation_id}", responses=NOT_FOUND)
async def read_organisation(
    organisation_id: UUID, store: StoreDep, response: Response
) -> Organisation:
    result = await store.get(ORGANISATIONS, organisation_id)
    mark_stale(response, result.stale)
    return result.value


@router.delete(
    "/{organisation_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND | CONFLICT
)
async def delete_organisation(organisation_id: UUID, store: StoreDep) -> None:
    await store.delete(ORGANISATIONS, organisation_id)

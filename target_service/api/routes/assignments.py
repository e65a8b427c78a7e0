"""/api/v1/assignments: a staff member assigned to a clinic."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from target_service.api.deps import API_PREFIX, PaginationDep, StoreDep
from target_service.api.responses import (
    BAD_BODY,
    NOT_FOUND,
    UNAVAILABLE,
    page_response,
    record_response,
)
from target_service.domain.models import Assignment, AssignmentCreate, Page
from target_service.domain.store import ASSIGNMENTS

router = APIRouter(prefix=f"{API_PREFIX}/assignments", tags=["assignments"], responses=UNAVAILABLE)


@router.post("", status_code=status.HTTP_201_CREATED, responses=NOT_FOUND | BAD_BODY)
async def create_assignment(body: AssignmentCreate, store: StoreDep) -> Assignment:
    """Assign a staff member to a clinic; 404 when the clinic does not exist."""
    return await store.create(ASSIGNMENTS, body)


@router.get("", response_model=Page[Assignment])
async def list_assignments(
    store: StoreDep,
    page: PaginationDep,
    clinic_id: Annotated[UUID | None, Query()] = None,
) -> Response:
    result = await store.list_json(ASSIGNMENTS, page.offset, page.limit, parent_id=clinic_id)
    return page_response(result, page.offset, page.limit)


@router.get("/{assignment_id}", response_model=Assignment, responses=NOT_FOUND)
async def read_assignment(assignment_id: UUID, store: StoreDep) -> Response:
    return record_response(await store.get_json(ASSIGNMENTS, assignment_id))


@router.delete("/{assignment_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_assignment(assignment_id: UUID, store: StoreDep) -> None:
    await store.delete(ASSIGNMENTS, assignment_id)

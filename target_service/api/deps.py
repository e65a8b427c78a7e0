"""FastAPI dependencies as `Annotated` aliases.

All are `async def`: FastAPI runs a plain `def` dependency in a thread pool, which costs more
than the dependency itself.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Query, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from target_service.core.context import ServiceContext
from target_service.core.faults import FaultBoard
from target_service.domain.store import ClinicStore

API_PREFIX = "/api/v1"


async def get_context(request: Request) -> ServiceContext:
    context: ServiceContext = request.app.state.context
    return context


ContextDep = Annotated[ServiceContext, Depends(get_context)]


async def get_store(context: ContextDep) -> ClinicStore:
    return context.store


StoreDep = Annotated[ClinicStore, Depends(get_store)]

_bearer = HTTPBearer(auto_error=False)


async def require_admin(
    context: ContextDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    x_admin_token: Annotated[str | None, Header()] = None,
) -> FaultBoard:
    """The fault board, for a caller with the admin token (constant-time comparison): as a
    bearer token, or in `X-Admin-Token` (the Kubernetes API server's pod proxy authenticates
    its caller by the Authorization header and drops it before proxying)."""
    expected = context.settings.admin_token or ""
    given = credentials.credentials if credentials else (x_admin_token or "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="a valid bearer token is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return context.faults


AdminFaultsDep = Annotated[FaultBoard, Depends(require_admin)]


@dataclass(frozen=True)
class Pagination:
    offset: int
    limit: int


async def get_pagination(
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Pagination:
    return Pagination(offset, limit)


PaginationDep = Annotated[Pagination, Depends(get_pagination)]

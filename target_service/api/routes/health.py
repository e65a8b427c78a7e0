"""/health: liveness (the process answers), readiness (it should get traffic), startup."""

from __future__ import annotations

import time
from typing import Literal

import psutil
from fastapi import APIRouter, Response, status
from pydantic import BaseModel

from target_service.api.deps import ContextDep
from target_service.core.breaker import CircuitState

router = APIRouter(prefix="/health", tags=["health"])

READINESS_PING_TIMEOUT_S = 0.25


class Liveness(BaseModel):
    status: Literal["alive"] = "alive"


class Startup(BaseModel):
    status: Literal["started", "starting"]


class DependencyStatus(BaseModel):
    status: Literal["up", "down"]
    latency_ms: float | None
    breaker: Literal["closed", "half_open", "open"]
    error: str | None = None


class Memory(BaseModel):
    rss_bytes: int


class Readiness(BaseModel):
    status: Literal["ok", "degraded", "unavailable"]
    reasons: list[str]
    replica: str
    uptime_s: float
    dependencies: dict[str, DependencyStatus]
    memory: Memory


@router.get("/liveness")
async def liveness() -> Liveness:
    """200 while the process and its event loop answer; nothing else is checked."""
    return Liveness()


@router.get("/startup", responses={503: {"model": Startup}})
async def startup(context: ContextDep, response: Response) -> Startup:
    if not context.lifecycle.started:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return Startup(status="starting")
    return Startup(status="started")


@router.get("/readiness", responses={503: {"model": Readiness}})
async def readiness(context: ContextDep, response: Response) -> Readiness:
    """200 ok or degraded (Redis down, breaker open: fallbacks served); 503 when not to be used.

    Readiness does not follow Redis: a shared dependency down would take every replica out.
    """
    reasons = []
    if not context.lifecycle.started:
        reasons.append("starting")
    if context.lifecycle.shutting_down:
        reasons.append("shutting down")
    if context.faults.readiness_forced_off():
        reasons.append("readiness forced off by a fault")
    redis = await _redis_status(context)
    if reasons:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        overall: Literal["ok", "degraded", "unavailable"] = "unavailable"
    elif redis.status == "down" or redis.breaker != "closed":
        overall = "degraded"
        reasons.append("redis unavailable: serving last known values")
    else:
        overall = "ok"
    return Readiness(
        status=overall,
        reasons=reasons,
        replica=context.settings.replica,
        uptime_s=round(time.monotonic() - context.lifecycle.created_at, 3),
        dependencies={"redis": redis},
        memory=Memory(rss_bytes=psutil.Process().memory_info().rss),
    )


async def _redis_status(context: ContextDep) -> DependencyStatus:
    breaker = context.gateway.breaker.state
    name: Literal["closed", "half_open", "open"] = (
        "closed"
        if breaker is CircuitState.CLOSED
        else "open"
        if breaker is CircuitState.OPEN
        else "half_open"
    )
    if breaker is CircuitState.OPEN:
        return DependencyStatus(status="down", latency_ms=None, breaker=name, error="breaker open")
    timeout = min(READINESS_PING_TIMEOUT_S, context.settings.redis_timeout_s)
    try:
        latency = await context.gateway.ping(timeout)
    except Exception as error:  # any failure to reach Redis means "down" here
        return DependencyStatus(
            status="down", latency_ms=None, breaker=name, error=type(error).__name__
        )
    return DependencyStatus(status="up", latency_ms=round(latency * 1000, 3), breaker=name)

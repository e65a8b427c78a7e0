"""Assembles the application: settings, parts, middleware, routers, error answers.

Serve it with `python -m target_service` (graceful shutdown, see __main__.py), or for a quick
look `uvicorn --factory target_service.main:create_app`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import AsyncIterator

import psutil
from fastapi import FastAPI, Request, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from prometheus_client import CollectorRegistry
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from target_service.api.deps import API_PREFIX
from target_service.api.middleware import FaultInjectionMiddleware, RequestMetricsMiddleware
from target_service.api.routes import assignments, clinics, faults, health, metrics, organisations
from target_service.core.background import refresh_business_gauges, sample_event_loop_lag
from target_service.core.config import Settings, load_settings
from target_service.core.context import ServiceContext
from target_service.core.lifecycle import Lifecycle
from target_service.core.redis_gateway import DependencyUnavailable
from target_service.domain.store import HasChildren, NotFound

logger = logging.getLogger("target_service")


BACKGROUND_STOP_TIMEOUT_S = 2.0


def create_app(
    settings: Settings | None = None,
    registry: CollectorRegistry | None = None,
    lifecycle: Lifecycle | None = None,
) -> FastAPI:
    settings = settings or load_settings()
    context = ServiceContext.build(settings, registry or CollectorRegistry(), lifecycle)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        context.gateway.open()
        tasks = [
            asyncio.create_task(
                sample_event_loop_lag(context.metrics, settings.lag_sample_interval_s)
            ),
            asyncio.create_task(
                refresh_business_gauges(context.store, context.metrics, settings.gauge_refresh_s)
            ),
        ]
        context.lifecycle.started = True
        startup_s = time.time() - psutil.Process().create_time()
        context.metrics.startup_duration.set(startup_s)
        logger.info("replica %s ready in %.2f s", settings.replica, startup_s)
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            # bounded: a task cancelled inside a Redis call may not end promptly (the client
            # can swallow the cancellation while it reconnects); shutdown must not hang on it
            _, pending = await asyncio.wait(tasks, timeout=BACKGROUND_STOP_TIMEOUT_S)
            if pending:
                logger.warning("%d background task(s) still running at shutdown", len(pending))
            await context.gateway.close()

    app = FastAPI(
        title="Clinic network back office",
        version="1.0.0",
        description="Reference service under test for slogate: organisations, clinics and "
        "staff assignments on Redis, with health probes, metrics and fault hooks.",
        lifespan=lifespan,
    )
    app.state.context = context

    # routers carry their full path prefix: the route template of a request is then the
    # route's own path_format (the `route` label of the request metrics)
    routers = [organisations.router, clinics.router, assignments.router, health.router]
    routers += [metrics.router, *([faults.router] if settings.admin_enabled else [])]
    for router in routers:
        app.include_router(router)
    routes = [route for router in routers for route in router.routes if isinstance(route, APIRoute)]

    _add_error_answers(app, routes)
    context.metrics.preinitialise_routes(
        (method, route.path_format)
        for route in routes
        if route.path_format.startswith(API_PREFIX)
        for method in sorted(route.methods or ())
    )
    app.add_middleware(FaultInjectionMiddleware, faults=context.faults)
    if settings.metrics_enabled:
        app.add_middleware(RequestMetricsMiddleware, metrics=context.metrics, routes=routes)
    return app


def _add_error_answers(app: FastAPI, routes: list[APIRoute]) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if error.status_code != status.HTTP_405_METHOD_NOT_ALLOWED:
            return await http_exception_handler(request, error)
        # Starlette's Allow names only the first route of the path; list them all
        allowed = set()
        for route in routes:
            match, _ = route.matches(request.scope)
            if match is not Match.NONE:
                allowed |= route.methods or set()
        return JSONResponse(
            {"detail": error.detail},
            status_code=error.status_code,
            headers={"Allow": ", ".join(sorted(allowed))},
        )

    @app.exception_handler(NotFound)
    async def not_found(request: Request, error: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=status.HTTP_404_NOT_FOUND)

    @app.exception_handler(HasChildren)
    async def has_children(request: Request, error: HasChildren) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=status.HTTP_409_CONFLICT)

    @app.exception_handler(DependencyUnavailable)
    async def unavailable(request: Request, error: DependencyUnavailable) -> JSONResponse:
        return JSONResponse(
            {"detail": "data store unavailable; retry later"},
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(math.ceil(error.retry_after_s))},
        )

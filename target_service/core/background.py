"""Background samplers: event-loop lag and the business gauges."""

from __future__ import annotations

import asyncio
import logging
import time

from target_service.core.metrics import ServiceMetrics
from target_service.core.redis_gateway import DEPENDENCY_FAILURES, DependencyUnavailable
from target_service.domain.store import ClinicStore

logger = logging.getLogger("target_service")


async def sample_event_loop_lag(metrics: ServiceMetrics, interval_s: float) -> None:
    """Sleep `interval_s` again and again; how much later than asked we woke is the lag."""
    while True:
        started = time.perf_counter()
        await asyncio.sleep(interval_s)
        metrics.event_loop_lag.observe(max(0.0, time.perf_counter() - started - interval_s))


def _being_cancelled() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


async def refresh_business_gauges(
    store: ClinicStore, metrics: ServiceMetrics, interval_s: float
) -> None:
    """Keep clinic_organisations, clinic_clinics and clinic_assignments current."""
    while True:
        try:
            counts = await store.counts()
        except (DependencyUnavailable, *DEPENDENCY_FAILURES) as error:
            if _being_cancelled():  # the Redis client turned our cancellation into an error
                raise asyncio.CancelledError from error
            logger.debug("business gauges not refreshed: %s", error)
        else:
            metrics.organisations.set(counts.organisations)
            metrics.clinics.set(counts.clinics)
            metrics.assignments.set(counts.assignments)
        await asyncio.sleep(interval_s)

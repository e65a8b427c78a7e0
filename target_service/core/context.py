"""The parts one running service is made of, built once per application."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from prometheus_client import CollectorRegistry

from target_service.core.config import Settings
from target_service.core.faults import FaultBoard
from target_service.core.lifecycle import Lifecycle
from target_service.core.metrics import FAULT_KINDS, ServiceMetrics
from target_service.core.redis_gateway import RedisGateway
from target_service.domain.store import REDIS_OPERATIONS, ClinicStore


def _fault_counter(faults: FaultBoard, kind: str) -> Callable[[], float]:
    return lambda: float(faults.count(kind))


@dataclass
class ServiceContext:
    settings: Settings
    metrics: ServiceMetrics
    faults: FaultBoard
    gateway: RedisGateway
    store: ClinicStore
    lifecycle: Lifecycle

    @classmethod
    def build(
        cls, settings: Settings, registry: CollectorRegistry, lifecycle: Lifecycle | None = None
    ) -> ServiceContext:
        metrics = ServiceMetrics(registry)
        faults = FaultBoard()
        gateway = RedisGateway(settings, metrics, faults)
        context = cls(
            settings, metrics, faults, gateway, ClinicStore(gateway), lifecycle or Lifecycle()
        )
        metrics.preinitialise_redis(REDIS_OPERATIONS)
        for kind in FAULT_KINDS:
            metrics.faults_active.labels(kind).set_function(_fault_counter(faults, kind))
        metrics.ready.set_function(lambda: 1.0 if context.ready() else 0.0)
        return context

    def ready(self) -> bool:
        """Readiness without looking at Redis: started, not shutting down, not forced off."""
        return (
            self.lifecycle.started
            and not self.lifecycle.shutting_down
            and not self.faults.readiness_forced_off()
        )

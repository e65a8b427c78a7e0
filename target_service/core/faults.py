"""Injected faults (the service's own "assaults"): each has a TTL and expires by itself.

Kinds: `latency` (fixed or normally distributed delay before a share `ratio` of matching
requests, all by default),
`errors` (a share of matching requests answered with a status), `readiness_off`
(readiness answers 503), `redis_latency` (a delay before each Redis call made while
serving a matching request).
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_TTL_S = 3600.0

#: the path of the request being served, so Redis calls know which faults apply to them
current_request_path: ContextVar[str | None] = ContextVar("current_request_path", default=None)


class _FaultBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ttl_s: float = Field(gt=0, le=MAX_TTL_S, description="Seconds until the fault expires.")
    routes: str = Field(
        default="/api/",
        min_length=1,
        max_length=200,
        pattern=r"^/",
        description="Path prefix of the requests the fault applies to.",
    )


class _DelaySpec(_FaultBase):
    fixed_ms: float | None = Field(default=None, ge=0, le=600_000)
    mean_ms: float | None = Field(default=None, ge=0, le=600_000)
    stddev_ms: float = Field(default=0.0, ge=0, le=600_000)

    @model_validator(mode="after")
    def one_delay(self) -> _DelaySpec:
        if (self.fixed_ms is None) == (self.mean_ms is None):
            raise ValueError("give exactly one of fixed_ms or mean_ms (with stddev_ms)")
        return self

    def draw_delay_s(self, rng: random.Random) -> float:
        if self.fixed_ms is not None:
            return self.fixed_ms / 1000
        assert self.mean_ms is not None
        return max(0.0, rng.gauss(self.mean_ms, self.stddev_ms)) / 1000


class LatencyFault(_DelaySpec):
    kind: Literal["latency"]
    ratio: float = Field(default=1.0, gt=0, le=1, description="Share of matching requests delayed.")


class RedisLatencyFault(_DelaySpec):
    kind: Literal["redis_latency"]


class ErrorsFault(_FaultBase):
    kind: Literal["errors"]
    ratio: float = Field(gt=0, le=1, description="Share of matching requests that fail.")
    status: int = Field(default=503, ge=400, le=599)


class ReadinessOffFault(_FaultBase):
    kind: Literal["readiness_off"]


FaultSpec = Annotated[
    LatencyFault | RedisLatencyFault | ErrorsFault | ReadinessOffFault,
    Field(discriminator="kind"),
]


class ActiveFault(BaseModel):
    """A fault in force: what `POST /admin/faults` answers and `GET /admin/faults` lists."""

    id: str
    kind: str
    expires_at: float = Field(description="Unix time (seconds) when the fault expires.")
    spec: FaultSpec


class FaultBoard:
    """The faults in force in this process. Expired faults vanish on every read."""

    def __init__(
        self,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self._clock = clock
        self.rng = rng or random.Random()
        self._faults: dict[str, ActiveFault] = {}

    def add(self, spec: FaultSpec) -> ActiveFault:
        fault = ActiveFault(
            id=uuid.uuid4().hex, kind=spec.kind, expires_at=self._clock() + spec.ttl_s, spec=spec
        )
        self._faults[fault.id] = fault
        return fault

    def remove(self, fault_id: str) -> bool:
        return self._faults.pop(fault_id, None) is not None

    def clear(self) -> int:
        count = len(self._faults)
        self._faults.clear()
        return count

    def active(self) -> list[ActiveFault]:
        if not self._faults:
            return []
        now = self._clock()
        for fault_id in [i for i, f in self._faults.items() if f.expires_at <= now]:
            del self._faults[fault_id]
        return list(self._faults.values())

    def count(self, kind: str) -> int:
        return sum(1 for fault in self.active() if fault.kind == kind)

    def matching(self, path: str) -> list[ActiveFault]:
        """Faults in force that apply to a request for `path`."""
        if not self._faults:
            return []
        return [f for f in self.active() if path.startswith(f.spec.routes)]

    def readiness_forced_off(self) -> bool:
        return any(fault.kind == "readiness_off" for fault in self.active())

    def redis_delay_s(self) -> float:
        """Injected delay for a Redis call made now (0 outside a matching request)."""
        if not self._faults:
            return 0.0
        path = current_request_path.get()
        if path is None:
            return 0.0
        delay = 0.0
        for fault in self.matching(path):
            if isinstance(fault.spec, RedisLatencyFault):
                delay += fault.spec.draw_delay_s(self.rng)
        return delay

"""Process faults the supervisor applies and ends itself at their TTL.

    kill   SIGKILL the part; it is not restarted before the TTL ends (then it is, at once)
    term   SIGTERM the part; same hold as kill
    stop   SIGSTOP the part (it hangs: connections open, nothing answered); SIGCONT at the TTL
    partition  a replica cut off from the edge: its Toxiproxy proxy is disabled (connections
           refused; `faults: toxiproxy` only), enabled again at the TTL

A fault is enforced by the supervisor, not by whoever asked for it, so it ends even when the
caller dies. When the supervisor itself dies its children die with it.
"""

from __future__ import annotations

import time
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

FaultAction = Literal["kill", "term", "stop", "partition"]
MAX_TTL_S = 3600.0


class FaultRequest(BaseModel):
    """Body of POST /faults."""

    model_config = ConfigDict(extra="forbid")

    part: str
    action: FaultAction
    ttl_s: float = Field(ge=0, le=MAX_TTL_S)

    @model_validator(mode="after")
    def _stop_needs_ttl(self) -> FaultRequest:
        if self.action in ("stop", "partition") and self.ttl_s <= 0:
            raise ValueError(f"a {self.action} fault needs ttl_s > 0 (it ends at its TTL)")
        return self


class Fault(BaseModel):
    """One applied fault, as GET /faults lists it."""

    id: str
    part: str
    action: FaultAction
    ttl_s: float
    applied_at: float
    expires_at: float
    pid: int | None
    active: bool = True
    ended_at: float | None = None
    ended_by: Literal["ttl", "request", "shutdown"] | None = None

    @classmethod
    def applied(cls, request: FaultRequest, pid: int | None) -> Fault:
        now = time.time()
        return cls(
            id=uuid.uuid4().hex[:12],
            part=request.part,
            action=request.action,
            ttl_s=request.ttl_s,
            applied_at=now,
            expires_at=now + request.ttl_s,
            pid=pid,
        )

    def end(self, by: Literal["ttl", "request", "shutdown"]) -> None:
        self.active = False
        self.ended_at = time.time()
        self.ended_by = by

"""Every platform's chaos backend records its faults the same way (see platform/base.py):
`intent` before applying, then `applied` with the injector's id and expiry, or `failed`.

An apply whose outcome is unknown (OutcomeUnknown: a timeout, a lost connection, after which
the server may have applied it) is `failed` only when the injector ends the fault at its TTL;
a fault the TTL does not remove (`ttl_at_injector: false`: a Deployment scaled to 0, a
NetworkChaos object) is recorded
`applied` instead, so the rollback, `down` and the next run's sweep restore it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chaoslib.exceptions import ActivityFailed

from slogate.chaos.ledger import FaultEvent, FaultLedger, Rollback, new_fault_id
from slogate.errors import OutcomeUnknown

__all__ = ["MAX_TTL_S", "Applied", "FaultRecorder", "check_ttl"]

Applied = tuple[str | None, float | None]  # the injector's fault id and expiry (unix s)
MAX_TTL_S = 3600.0  # what the target's fault hooks and the supervisor accept


def check_ttl(ttl_s: float) -> float:
    """A fault's TTL, within what every injector accepts (ActivityFailed otherwise)."""
    if not 0 < ttl_s <= MAX_TTL_S:
        raise ActivityFailed(f"ttl_s must be in (0, {MAX_TTL_S:g}] seconds, got {ttl_s!r}")
    return float(ttl_s)


@dataclass
class FaultRecorder:
    """Writes one run's faults (tagged with its experiment) to a stack's ledger."""

    ledger: FaultLedger
    run_id: str
    experiment: str | None = None

    def inject(
        self,
        kind: str,
        target: str,
        ttl_s: float,
        rollback: Rollback,
        apply: Callable[[], Applied],
        errors: tuple[type[Exception], ...] = (),
    ) -> str:
        """Intent, apply, then applied (or failed: ActivityFailed, `errors` re-raised as one;
        OutcomeUnknown: see the module's docstring)."""
        fault_id = new_fault_id()
        common: dict[str, Any] = {"run_id": self.run_id, "fault_id": fault_id, "kind": kind}
        common.update(target=target, ttl_s=ttl_s, experiment=self.experiment)
        self.ledger.record(FaultEvent.INTENT, rollback=rollback, **common)
        try:
            injector_id, expires_at = apply()
        except OutcomeUnknown as error:
            if rollback.ttl_at_injector:
                self.ledger.record(FaultEvent.FAILED, message=str(error), **common)
                raise ActivityFailed(f"could not apply {kind} to {target}: {error}") from None
            message = f"may have been applied ({error}); left open for the rollback"
            self.ledger.record(FaultEvent.APPLIED, rollback=rollback, message=message, **common)
            raise ActivityFailed(f"{kind} of {target} {message}") from None
        except (ActivityFailed, *errors) as error:
            self.ledger.record(FaultEvent.FAILED, message=str(error), **common)
            if isinstance(error, ActivityFailed):
                raise
            raise ActivityFailed(f"could not apply {kind} to {target}: {error}") from None
        applied = rollback.model_copy(update={"injector_id": injector_id})
        self.ledger.record(FaultEvent.APPLIED, rollback=applied, expires_at=expires_at, **common)
        return fault_id

    def healed(self, fault_id: str, kind: str, target: str, message: str) -> None:
        """Close a fault the platform healed itself (a replaced replica)."""
        self.ledger.record(
            FaultEvent.ROLLED_BACK,
            experiment=self.experiment,
            run_id=self.run_id,
            fault_id=fault_id,
            kind=kind,
            target=target,
            ttl_s=0,
            message=message,
        )

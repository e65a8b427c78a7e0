"""A rolling restart on Kubernetes, as `kubectl rollout restart` does it.

chaostoolkit-kubernetes' `rollout_deployment` sets the target Deployment's pod-template
annotation `kubectl.kubernetes.io/restartedAt`; the Deployment controller then replaces every
pod with one of a new ReplicaSet (`maxUnavailable: 0`: a new pod is Ready before an old one
goes) and slogate waits for the rollout to complete (rollout.py), as the local platform waits
for each replaced replica.

In the ledger, like a local restart: `replica_restart` on the Deployment, intent before the
patch, applied after it, and closed as healed ("rolled out ...") once the rollout is complete.
Nothing can undo a restart, so its rollback is `via: none` (healed by the Deployment): a
rollout that does not complete in time fails the activity and leaves the fault open, and the
rollback, `slogate down` or the next run's sweep close it with "nothing to remove".
"""

from __future__ import annotations

import time
from collections.abc import Callable

from chaoslib.exceptions import ActivityFailed

from slogate.chaos.ledger import Rollback
from slogate.errors import SlogateError
from slogate.platform.fault_recording import FaultRecorder
from slogate.platform.kubernetes.cluster import Api
from slogate.platform.kubernetes.record import ObjectRef
from slogate.platform.kubernetes.rollout import wait_for_rollouts

__all__ = ["RESTARTED_AT", "restart_and_wait"]

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
KIND = "replica_restart"


def restart_and_wait(
    api: Api,
    recorder: FaultRecorder,
    deployment: ObjectRef,
    patch: Callable[[], object],
    ready_timeout_s: float,
) -> float:
    """Restart `deployment` with `patch()` (the annotation patch), recorded in the ledger, and
    wait for its rollout; the seconds from the patch to a complete rollout."""
    rollback = Rollback(
        via="none", detail={"deployment": deployment.name, "healed_by": "deployment"}
    )
    started: list[float] = []

    def apply() -> tuple[None, None]:
        patch()
        started.append(time.monotonic())
        return None, None

    fault_id = recorder.inject(KIND, deployment.name, ready_timeout_s, rollback, apply)
    try:
        wait_for_rollouts(api, [deployment], ready_timeout_s, on_ready=lambda ref: None)
    except SlogateError as error:
        raise ActivityFailed(f"restart of {deployment}: {error}") from None
    seconds = time.monotonic() - started[0]
    recorder.healed(fault_id, KIND, deployment.name, f"rolled out in {seconds:.1f} s")
    return seconds

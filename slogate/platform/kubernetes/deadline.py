"""Calls into chaostoolkit-kubernetes, bounded in time and pointed at the chaos kubeconfig.

chaostoolkit-kubernetes builds its API client from `$KUBECONFIG` (and a context from its
`secrets`) and sets no timeout on its requests. slogate calls it with the stack's chaos
kubeconfig in `$KUBECONFIG` for the length of the call, one call at a time in this process:
the caller takes the lock (waiting at most `timeout_s`; when an earlier call still holds it,
ActivityFailed and nothing is sent), then a daemon thread makes the call and releases the lock
when the call ends. A call that has not returned after `timeout_s` raises OutcomeUnknown: it
may still land (the daemon thread cannot be stopped; it ends with the Chaos Toolkit process at
the latest), so the fault recorder keeps a fault no injector ends open for the rollback.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from chaoslib.exceptions import ActivityFailed
from kubernetes.config import kube_config

from slogate.errors import OutcomeUnknown

T = TypeVar("T")

_ENVIRONMENT_LOCK = threading.Lock()
_holder: list[str] = []  # what holds the lock, for the message of a call that waited on it


@contextmanager
def kubeconfig_in_environment(path: str) -> Iterator[None]:
    """`$KUBECONFIG` is `path` inside the block (restored after). chaostoolkit-kubernetes
    checks `$KUBECONFIG`, then loads the client's default kubeconfig, a path the client read
    from `$KUBECONFIG` when it was imported: both are pointed at `path`. Not locked: run it
    inside `call_with_deadline`, which holds the lock for the call."""
    before = os.environ.get("KUBECONFIG")
    default = kube_config.KUBE_CONFIG_DEFAULT_LOCATION
    os.environ["KUBECONFIG"] = path
    kube_config.KUBE_CONFIG_DEFAULT_LOCATION = path
    try:
        yield
    finally:
        kube_config.KUBE_CONFIG_DEFAULT_LOCATION = default
        if before is None:
            os.environ.pop("KUBECONFIG", None)
        else:
            os.environ["KUBECONFIG"] = before


def call_with_deadline(call: Callable[[], T], timeout_s: float, what: str) -> T:
    """`call()`'s result; ActivityFailed when it raises or cannot start within `timeout_s`
    (an earlier call still runs), OutcomeUnknown when it has not returned after `timeout_s`."""
    if not _ENVIRONMENT_LOCK.acquire(timeout=timeout_s):
        earlier = _holder[0] if _holder else "an earlier call"
        raise ActivityFailed(
            f"{what}: not sent, {earlier} has not returned after {timeout_s:g} s and may still "
            "act; check the API server, then run again"
        )
    _holder[:] = [what]
    outcome: dict[str, T] = {}
    failed: list[BaseException] = []

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as error:  # handed to the caller's thread
            failed.append(error)
        finally:
            _holder.clear()
            _ENVIRONMENT_LOCK.release()

    try:
        worker = threading.Thread(target=run, name=f"slogate: {what}", daemon=True)
        worker.start()
    except BaseException:
        _holder.clear()
        _ENVIRONMENT_LOCK.release()
        raise
    worker.join(timeout_s)
    if worker.is_alive():
        raise OutcomeUnknown(
            f"{what}: no answer from the API server within {timeout_s:g} s (it may still act)"
        )
    if failed:
        error = failed[0]
        if isinstance(error, ActivityFailed):
            raise error
        raise ActivityFailed(f"{what}: {error}") from None
    return outcome["value"]

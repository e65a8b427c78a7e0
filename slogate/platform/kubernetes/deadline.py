"""Calls into chaostoolkit-kubernetes, bounded in time and pointed at the chaos kubeconfig.

chaostoolkit-kubernetes builds its API client from `$KUBECONFIG` (and a context from its
`secrets`) and sets no timeout on its requests. slogate calls it with the stack's chaos
kubeconfig in `$KUBECONFIG` for the length of the call (under a lock: one call at a time in
this process), in a daemon thread it waits for at most `timeout_s`; a call that does not
return by then fails the activity (the thread cannot outlive the Chaos Toolkit process).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from chaoslib.exceptions import ActivityFailed
from kubernetes.config import kube_config

T = TypeVar("T")

_ENVIRONMENT_LOCK = threading.Lock()


@contextmanager
def kubeconfig_in_environment(path: str) -> Iterator[None]:
    """`$KUBECONFIG` is `path` inside the block (restored after). chaostoolkit-kubernetes
    checks `$KUBECONFIG`, then loads the client's default kubeconfig, a path the client read
    from `$KUBECONFIG` when it was imported: both are pointed at `path`."""
    with _ENVIRONMENT_LOCK:
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
    """`call()`'s result; ActivityFailed when it raises or has not returned after `timeout_s`."""
    outcome: dict[str, T] = {}
    failed: list[BaseException] = []

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as error:  # handed to the caller's thread
            failed.append(error)

    worker = threading.Thread(target=run, name=f"slogate: {what}", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        raise ActivityFailed(f"{what}: no answer from the API server within {timeout_s:g} s")
    if failed:
        error = failed[0]
        if isinstance(error, ActivityFailed):
            raise error
        raise ActivityFailed(f"{what}: {error}") from None
    return outcome["value"]

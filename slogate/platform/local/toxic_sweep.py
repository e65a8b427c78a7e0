"""The fault proxy's sweep, on its own thread (a hung toxiproxy never delays the supervisor's
restarts or fault ends): every `TOXIC_SWEEP_S` it removes each Toxiproxy toxic past its TTL
(Toxiproxy has none of its own) and enables again each disabled proxy that no active
partition holds (a partition whose disable or re-enable failed half-way, or a proxy disabled
behind the supervisor's back). A failed sweep is simply tried again at the next one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import httpx

from slogate.platform.local import toxiproxy

log = logging.getLogger("slogate.supervisor")
TOXIC_SWEEP_S = 0.25  # expired toxics are looked for this often (outliving their TTL by that)


def sweep_fault_proxy(url: str, partitioned: Callable[[], set[str]]) -> list[str]:
    """One sweep: what it removed (`proxy/toxic`) and enabled again (`proxy`)."""
    done = toxiproxy.remove_expired_toxics(url)
    disabled = [name for name, body in toxiproxy.proxies(url).items() if not body["enabled"]]
    held = partitioned()  # read after the proxies: a partition is recorded before its disable
    for name in disabled:
        if name not in held:
            toxiproxy.set_enabled(url, name, True)
            done.append(name)
    return done


class ToxicSweep(threading.Thread):
    """Runs `sweep_fault_proxy` every TOXIC_SWEEP_S until `stop()`."""

    def __init__(self, url: str, partitioned: Callable[[], set[str]]) -> None:
        super().__init__(name="slogate-toxic-sweep", daemon=True)
        self.url = url
        self.partitioned = partitioned
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._stopping.wait(TOXIC_SWEEP_S):
            try:
                for done in sweep_fault_proxy(self.url, self.partitioned):
                    if "/" in done:
                        log.warning("toxic %s removed at its TTL", done)
                    else:
                        log.warning("%s's proxy was disabled with no partition: enabled", done)
            except (httpx.HTTPError, ValueError, KeyError) as error:  # a restarting toxiproxy
                log.warning("could not sweep toxiproxy: %s", error)

    def stop(self) -> None:
        """Stop and wait for the sweep in progress (each of its calls has a timeout)."""
        self._stopping.set()
        if self.is_alive():
            self.join(timeout=4 * toxiproxy.HTTP_TIMEOUT_S)

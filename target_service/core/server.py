"""uvicorn with the service's own signal handling, for a graceful shutdown.

uvicorn alone stops accepting connections at the first SIGTERM. Here the first SIGTERM or
SIGINT only turns readiness to 503; the server keeps accepting and serving for
`shutdown_delay_s` (so the edge or the Kubernetes Service stops routing to it first), then
stops accepting, drains in-flight requests for up to the drain timeout, runs the lifespan
shutdown (closes the Redis pool) and returns; the process exits 0.
A second signal skips what is left of the delay; a third stops without draining.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Generator
from types import FrameType

import uvicorn

from target_service.core.lifecycle import Lifecycle

logger = logging.getLogger("target_service")
SHUTDOWN_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class GracefulServer(uvicorn.Server):
    def __init__(
        self, config: uvicorn.Config, lifecycle: Lifecycle, shutdown_delay_s: float
    ) -> None:
        super().__init__(config)
        self.lifecycle = lifecycle
        self.shutdown_delay_s = shutdown_delay_s

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        """Install `handle_exit`; unlike uvicorn, do not re-raise the signal afterwards, so a
        graceful stop ends with exit code 0."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        original = {sig: signal.signal(sig, self.handle_exit) for sig in SHUTDOWN_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if not self.lifecycle.shutting_down:
            self.lifecycle.request_shutdown()
            logger.info(
                "%s: readiness now 503; serving %.1f s more, then draining",
                signal.Signals(sig).name,
                self.shutdown_delay_s,
            )
        elif not self.should_exit:
            logger.info("second signal: skipping the rest of the shutdown delay")
            self.should_exit = True
        else:
            logger.warning("third signal: stopping without draining")
            self.force_exit = True

    async def on_tick(self, counter: int) -> bool:
        if (
            self.lifecycle.shutting_down
            and not self.should_exit
            and self.lifecycle.seconds_since_shutdown_requested() >= self.shutdown_delay_s
        ):
            logger.info("shutdown delay over: no new connections; draining in-flight requests")
            self.should_exit = True
        return await super().on_tick(counter)

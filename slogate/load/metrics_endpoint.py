"""The client metrics endpoint of the Locust process (the master, or the only process): serves
the aggregate tally as Prometheus metrics and counts the scrapes, so that after the load the
process can stay up until the final values were read. IMPORTS GEVENT: only the open model
(inside the Locust process) imports this module."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import gevent
from gevent.pywsgi import WSGIServer
from prometheus_client import CollectorRegistry, make_wsgi_app

from slogate.load.client_metrics import ClientMetricsCollector
from slogate.load.tally import Tally

log = logging.getLogger("slogate.openmodel")

SCRAPES_AFTER_END = 2


class MetricsEndpoint:
    """`/metrics` of the client side: what `tally()` holds when scraped."""

    def __init__(self, tally: Callable[[], Tally]) -> None:
        registry = CollectorRegistry(auto_describe=True)
        registry.register(ClientMetricsCollector(tally))
        self._app = make_wsgi_app(registry)
        self.scrapes = 0

    def _counting_app(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.scrapes += 1
        return self._app(environ, start_response)

    def serve(self, host: str, port: int) -> None:
        WSGIServer((host, port), self._counting_app, log=None, error_log=None).start()
        log.info("client metrics on http://%s:%s/metrics", host, port)

    def linger(self, at_most_s: float) -> None:
        """Stay until two more scrapes saw the final values (if anyone scrapes), at most
        `at_most_s` seconds."""
        if not self.scrapes:
            return
        target = self.scrapes + SCRAPES_AFTER_END
        deadline = time.monotonic() + at_most_s
        while self.scrapes < target and time.monotonic() < deadline:
            gevent.sleep(0.05)

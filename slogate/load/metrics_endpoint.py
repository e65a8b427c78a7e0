"""The client metrics endpoint of the Locust process (the master, or the only process): serves
the aggregate tally as Prometheus metrics and counts the scrapes, so that after the load the
process can stay up until the final values were read. IMPORTS GEVENT: only the open model
(inside the Locust process) imports this module."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import gevent
from gevent.pywsgi import WSGIServer
from prometheus_client import CollectorRegistry, make_wsgi_app

from slogate.load.client_metrics import ClientMetricsCollector
from slogate.load.tally import Tally

log = logging.getLogger("slogate.openmodel")


class _Served:
    """A response body that calls `done` once the server has written all of it (the server
    closes it after its last write; a body it did not read to the end does not count)."""

    def __init__(self, body: Iterable[bytes], done: Callable[[], None]) -> None:
        self.body, self.done, self.read = body, done, False

    def __iter__(self) -> Iterator[bytes]:
        yield from self.body
        self.read = True

    def close(self) -> None:
        if self.read:
            self.done()


class MetricsEndpoint:
    """`/metrics` of the client side: what `tally()` holds when scraped."""

    def __init__(self, tally: Callable[[], Tally]) -> None:
        registry = CollectorRegistry(auto_describe=True)
        registry.register(ClientMetricsCollector(tally))
        self._app = make_wsgi_app(registry)
        self.scrapes = 0  # started
        self.served_up_to = 0  # the latest started scrape whose answer was written in full

    def _counting_app(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.scrapes += 1
        number = self.scrapes
        started: list[tuple[str, list[tuple[str, str]]]] = []

        def keep(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
            started.append((status, headers))

        body = list(self._app(environ, keep))
        status, headers = started[-1]
        if not any(name.lower() == "content-length" for name, _ in headers):
            # a known length: the server writes the answer as it is, no chunked encoding whose
            # last chunk would follow the body (the count would come before the answer's end)
            headers = [*headers, ("Content-Length", str(sum(len(part) for part in body)))]
        start_response(status, headers)
        return _Served(body, lambda: self._served(number))

    def _served(self, number: int) -> None:
        self.served_up_to = max(self.served_up_to, number)

    def serve(self, host: str, port: int) -> None:
        WSGIServer((host, port), self._counting_app, log=None, error_log=None).start()
        log.info("client metrics on http://%s:%s/metrics", host, port)

    def linger(self, at_most_s: float) -> None:
        """Stay until a scrape that started now or later has been answered in full (if anyone
        scrapes): it read the values as they are now, the final ones; at most `at_most_s`
        seconds. The tally is read as the scrape starts, so a scrape started before this call
        may hold older values, and one answered only in part may never have reached
        Prometheus."""
        if not self.scrapes:
            return
        target = self.scrapes + 1
        deadline = time.monotonic() + at_most_s
        while self.served_up_to < target and time.monotonic() < deadline:
            gevent.sleep(0.02)
